// The channel-semantics routes: feature visualisation and layer atlas jobs (PNG results), the
// top-activation table of a node and a channel's top images, through the shared fetch layer.
import { getCached, postJson, request, resultUrl } from "../../../api/client";
import type { Schemas } from "../../../api/paths";
import type { Job } from "../../../api/types";

export { resultUrl };

export type TopActivations = Schemas["TopActivationsOut"];

export interface Atlas {
  url: string;
  channels: number;
  cols: number;
  rows: number;
  tileHeight: number;
  tileWidth: number;
}

/** The visualisation's recipe: the path check (featurevis-check.ts) must check this very image. */
export const FEATURE_VIS_STEPS = 256;
export const FEATURE_VIS_SEED = 0;

export const channelApi = {
  startFeatureVis: (node: string, channel: number, steps = FEATURE_VIS_STEPS, seed = FEATURE_VIS_SEED) =>
    postJson("/api/jobs/featurevis", { body: { node, channel, steps, seed } }),
  startAtlas: (node: string, steps = 256) => postJson("/api/jobs/layer-atlas", { body: { node, steps } }),
  startTopTable: (node: string) => postJson("/api/jobs/top-activations/{node}", { path: { node } }),
  /** The channel's top images, or null until the node's table job has run. */
  top: (node: string, channel: number, k: number, reduce: "mean" | "max"): Promise<TopActivations | null> =>
    getCached("/api/top-activations/{node}/{channel}", { path: { node, channel }, query: { k, reduce } }),
  /** The atlas PNG as an object URL, with its grid from the response headers. */
  async atlas(job: Job): Promise<Atlas> {
    const response = await request(resultUrl(job));
    const [cols = 1, rows = 1] = (response.headers.get("X-Grid") ?? "1,1").split(",").map(Number);
    const [tileHeight = 1, tileWidth = 1] = (response.headers.get("X-Tile") ?? "1,1").split(",").map(Number);
    const channels = Number(response.headers.get("X-Channels") ?? "0");
    return { url: URL.createObjectURL(await response.blob()), channels, cols, rows, tileHeight, tileWidth };
  },
};
