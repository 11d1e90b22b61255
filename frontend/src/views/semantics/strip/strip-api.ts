// The strip routes: start a strip job, read its numbers and its frames/differences (raw
// little-endian Float32, shape in X-Shape). Relative URLs, like the shared client.
import { ApiError, request } from "../../../api/client";
import type { Job } from "../../../api/types";
import type { ImageRef } from "../../../state/image-ref";

export interface StripRequest {
  image: ImageRef;
  /** A class, or a channel of `node`; null: the predicted class if misclassified, else the runner-up. */
  target: number | null;
  node: string | null;
  frames: number;
  steps: number;
  norm: "linf" | "l2";
  /** The largest change allowed, per pixel for linf. */
  budget: number;
}

export interface StripTarget {
  kind: "class" | "channel";
  index: number;
  node: string | null;
  name: string;
}

export interface StripResult {
  key: string;
  title: string;
  /** The image's true class, if known. */
  label: number | null;
  target: StripTarget;
  flip_frame: number | null;
  frames: number;
  shape: [number, number, number];
  classes: string[];
  /** probs[f][k]: probability of class k at frame f. */
  probs: number[][];
  predictions: number[];
  scores: number[];
  norms: number[];
  max_change: number[];
  steps: number[];
  norm: "linf" | "l2";
  budget: number;
  spacing: string;
  frames_url: string;
  diffs_url: string;
  frame_png_urls: string[];
}

/** (F, C, H, W) values, frame f channel c at ((f * C + c) * H + y) * W + x. */
export interface StripPixels {
  shape: [number, number, number, number];
  values: Float32Array;
}

const relative = (url: string): string => (url.startsWith("/") ? url.slice(1) : url);

async function pixels(url: string): Promise<StripPixels> {
  const response = await request(relative(url));
  const shape = (response.headers.get("X-Shape") ?? "").split(",").map(Number);
  const values = new Float32Array(await response.arrayBuffer());
  const [f = 0, c = 0, h = 0, w = 0] = shape;
  if (shape.length !== 4 || f * c * h * w !== values.length) {
    throw new ApiError(`The strip's pixels have an unexpected shape (${shape.join("×")}).`, 500);
  }
  return { shape: [f, c, h, w], values };
}

export const stripApi = {
  start: async (body: StripRequest): Promise<Job> =>
    (await (
      await request("api/jobs/strip", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      })
    ).json()) as Job,

  async result(job: Job): Promise<StripResult> {
    if (!job.result_url) throw new ApiError("The strip finished but the server gave no result address.", 500);
    return (await (await request(relative(job.result_url))).json()) as StripResult;
  },

  frames: (strip: StripResult) => pixels(strip.frames_url),
  diffs: (strip: StripResult) => pixels(strip.diffs_url),
};
