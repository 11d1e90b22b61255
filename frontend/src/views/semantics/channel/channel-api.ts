// The channel-semantics routes: feature visualisation and layer atlas jobs (PNG results), the
// top-activation table of a node and a channel's top images.
import { ApiError, jsonIfCached, request } from "../../../api/client";
import type { Job } from "../../../api/types";

export interface TopActivations {
  node: string;
  channel: number;
  reduce: "mean" | "max";
  images: number;
  indices: number[];
  scores: number[];
  labels: number[];
  /** The overlays' shared scale: the highest activation anywhere in these k images. */
  overlay_max: number;
}

export interface Atlas {
  url: string;
  channels: number;
  cols: number;
  rows: number;
  tileHeight: number;
  tileWidth: number;
}

const post = async (path: string, body?: unknown): Promise<Job> =>
  (await (
    await request(
      path,
      body === undefined
        ? { method: "POST" }
        : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
    )
  ).json()) as Job;

/** A server path made relative, so that the app also works behind a path prefix. */
const relative = (url: string): string => (url.startsWith("/") ? url.slice(1) : url);
const node = (name: string): string => encodeURIComponent(name);

export function resultUrl(job: Job): string {
  if (!job.result_url) throw new ApiError("The job finished but the server gave no result address.", 500);
  return relative(job.result_url);
}

export const channelApi = {
  startFeatureVis: (name: string, channel: number, steps = 256) =>
    post("api/jobs/featurevis", { node: name, channel, steps }),
  startAtlas: (name: string, steps = 256) => post("api/jobs/layer-atlas", { node: name, steps }),
  startTopTable: (name: string) => post(`api/jobs/top-activations/${node(name)}`),
  /** The channel's top images, or null until the node's table job has run. */
  top: (name: string, channel: number, k: number, reduce: "mean" | "max"): Promise<TopActivations | null> =>
    jsonIfCached<TopActivations>(`api/top-activations/${node(name)}/${channel}?k=${k}&reduce=${reduce}`),
  /** The atlas PNG as an object URL, with its grid from the response headers. */
  async atlas(job: Job): Promise<Atlas> {
    const response = await request(resultUrl(job));
    const [cols = 1, rows = 1] = (response.headers.get("X-Grid") ?? "1,1").split(",").map(Number);
    const [tileHeight = 1, tileWidth = 1] = (response.headers.get("X-Tile") ?? "1,1").split(",").map(Number);
    const channels = Number(response.headers.get("X-Channels") ?? "0");
    return { url: URL.createObjectURL(await response.blob()), channels, cols, rows, tileHeight, tileWidth };
  },
};
