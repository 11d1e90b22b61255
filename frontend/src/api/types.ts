// The API's shapes under the names the views use: aliases of the generated schemas
// (schema.d.ts, from the server's OpenAPI document), plus what the fetch layer decodes itself.
import type { Schemas } from "./paths";

export type ModelInfo = Omit<Schemas["ModelInfo"], "input_shape"> & {
  /** C, H, W: the schema's list of exactly three (minItems = maxItems = 3), checked by api.model(). */
  input_shape: [number, number, number];
};
export type GraphNode = Schemas["NodeOut"];
export type ModelGraph = Schemas["GraphOut"];
export type DatasetInfo = Schemas["DatasetInfo"];
export type ImagePage = Schemas["ImagePage"];
export type ClassScore = Schemas["ClassScore"];
/** Top classes of any image, dataset or tray (GET api/image/predictions). */
export type ImagePrediction = Schemas["ImagePrediction"];
export type Job = Schemas["JobOut"];
export type JobState = Job["state"];
export type EvaluationSummary = Schemas["EvaluationSummary"];
export type EvaluationImages = Schemas["EvaluationImages"];
export type ChannelStats = Schemas["ChannelStatsOut"];

/** Activations of one node for one image: values in row-major order of `shape`, their range. */
export interface Activations {
  shape: number[];
  values: Float32Array;
  min: number;
  max: number;
}
