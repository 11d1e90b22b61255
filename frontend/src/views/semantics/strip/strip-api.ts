// The strip routes: start a strip job, read its numbers and its frames/differences (raw
// little-endian float32, (F, C, H, W) in X-Shape), through the shared fetch layer.
import { float32, getJsonAt, postJson, resultUrl } from "../../../api/client";
import type { Schemas } from "../../../api/paths";
import type { Job } from "../../../api/types";

export type StripRequest = Schemas["StripRequest"];
export type StripTarget = Schemas["StripTargetOut"];
export type StripResult = Schemas["StripOut"];

/** (F, C, H, W) values, frame f channel c at ((f * C + c) * H + y) * W + x. */
export interface StripPixels {
  shape: [number, number, number, number];
  values: Float32Array;
}

async function pixels(url: string): Promise<StripPixels> {
  const { shape, values } = await float32(url, 4);
  const [f = 0, c = 0, h = 0, w = 0] = shape;
  return { shape: [f, c, h, w], values };
}

export const stripApi = {
  start: (body: StripRequest): Promise<Job> => postJson("/api/jobs/strip", { body }),
  result: (job: Job): Promise<StripResult> => getJsonAt(resultUrl(job), "/api/strips/{key}"),
  frames: (strip: StripResult) => pixels(strip.frames_url),
  diffs: (strip: StripResult) => pixels(strip.diffs_url),
};
