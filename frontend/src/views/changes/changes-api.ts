// The checkpoint and comparison routes: the series and the choice of A (the selected model) and B
// (the one compared with), the jobs that compare them (history, projection over checkpoints,
// comparison, CKA) and their results, the weight change, and one node's feature maps and channel
// statistics under A or B, through the shared fetch layer.
import { ApiError, float32, getCached, getJson, getJsonAt, postJson, putJson, resultUrl, url } from "../../api/client";
import type { Schemas } from "../../api/paths";
import type { Job } from "../../api/types";
import { imageRef } from "../../state/image-ref";
import type { AppState } from "../../state/store";

export type CheckpointsInfo = Schemas["CheckpointsOut"];
export type CompareChoice = Schemas["CompareRequest"];
export type History = Schemas["HistoryOut"];
export type Comparison = Schemas["ComparisonOut"];
export type CKA = Schemas["CKAOut"];
export type WeightChange = Schemas["WeightChangeOut"];
export type LayerChange = Schemas["LayerChangeOut"];
export type FrameScores = Schemas["ProjectionScores"];

/** Which model a feature map is of: A (the selected one) or B (the one compared with). */
export type Side = "selected" | "compare";

/** One frame (checkpoint) of a projection over checkpoints: x, y per point, and its name. */
export interface Frame {
  coords: Float32Array;
  /** The checkpoint's name (X-Frame), or null where the server did not say. */
  name: string | null;
}

export const changesApi = {
  checkpoints: () => getJson("/api/checkpoints"),
  select: (checkpoint: number) => putJson("/api/checkpoints/selected", { body: { checkpoint } }),
  compare: (choice: CompareChoice) => putJson("/api/checkpoints/compare", { body: choice }),

  startHistory: () => postJson("/api/jobs/checkpoint-history"),
  history: (key: string) => getJson("/api/checkpoints/history/{key}", { path: { key } }),
  historyOf: (job: Job) => getJsonAt(resultUrl(job), "/api/checkpoints/history/{key}"),

  /** The projection over checkpoints at `layers`: one, or the rows of a layers × checkpoints grid. */
  startProjection: (layers: readonly string[], indices: readonly number[]) =>
    postJson("/api/jobs/checkpoint-projection", { body: { nodes: [...layers], indices: [...indices] } }),
  scores: (projection: string) => getJsonAt(`${projection}/scores`, "/api/projections/{key}/scores"),
  /** Frame `t` of the projection at `projection` (a job's result URL), checked to hold `count` points. */
  async frame(projection: string, t: number, count?: number): Promise<Frame> {
    const { shape, values, headers } = await float32(`${projection}/layers/${t}`, 2);
    if (shape[1] !== 2 || (count !== undefined && shape[0] !== count))
      throw new ApiError(`Frame ${t} of the projection has an unexpected shape (${shape.join("×")}).`, 500);
    return { coords: values, name: headers.get("X-Frame") };
  },

  startComparison: () => postJson("/api/jobs/comparison"),
  comparisonOf: (job: Job) => getJsonAt(resultUrl(job), "/api/comparisons/{key}"),

  startCka: () => postJson("/api/jobs/cka", { body: {} }),
  ckaOf: (job: Job) => getJsonAt(resultUrl(job), "/api/cka/{key}"),

  weightChange: () => getJson("/api/checkpoints/weight-change"),
  projectionLayers: () => getJson("/api/projection-layers"),

  /** A node's channel statistics under A or B, or null until their job ran. */
  channelStats: (node: string, model: Side) =>
    getCached("/api/channel-stats/{node}", { path: { node }, query: { model } }),
  startChannelStats: (node: string, model: Side) =>
    postJson("/api/jobs/channel-stats/{node}", { path: { node }, query: { model } }),

  /** A node's feature maps for the current image under A or B: channel tiles as one PNG. */
  mapsUrl: (state: Pick<AppState, "image" | "tray">, node: string, model: Side) =>
    url("/api/image/activations/{node}", { path: { node }, query: { ...imageRef(state), format: "png", model } }),
};
