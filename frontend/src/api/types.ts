// Response shapes of the Deepling API (src/deepling/server/schemas.py; /openapi.json).

export interface ModelInfo {
  name: string;
  input_shape: [number, number, number];
  classes: string[];
  mean: number[];
  std: number[];
  parameters: number;
  device: string;
}

export interface GraphNode {
  name: string;
  op: string;
  shape: number[];
  inputs: string[];
  params: number;
  module_path: string;
  target: string;
}

export interface ModelGraph {
  approximate: boolean;
  reason: string;
  nodes: GraphNode[];
}

export interface DatasetInfo {
  name: string;
  size: number;
  classes: string[];
  labelled: boolean;
  class_counts: number[];
  skipped_files: number;
  /** Whether an evaluation of this model on this dataset exists (GET /api/evaluation). */
  evaluated: boolean;
}

export interface ImagePage {
  total: number;
  offset: number;
  images: { index: number; label: number }[];
}

export interface ClassScore {
  index: number;
  name: string;
  probability: number;
}

export interface Prediction {
  index: number;
  label: number;
  label_name: string | null;
  top: ClassScore[];
}

/** Top classes of any image, dataset or tray (GET api/image/predictions). */
export interface ImagePrediction {
  title: string;
  label: number;
  label_name: string | null;
  top: ClassScore[];
}

export type JobState = "queued" | "running" | "done" | "failed" | "cancelled";

export interface Job {
  id: string;
  kind: string;
  state: JobState;
  done: number;
  total: number;
  progress: number;
  error: string | null;
  /** Where a finished job's result can be fetched (relative URL), if it has one. */
  result_url?: string | null;
}

export interface EvaluationSummary {
  images: number;
  labelled: number;
  accuracy: number | null;
  mean_loss: number | null;
  classes: string[];
  confusion: number[][];
  precision: (number | null)[];
  recall: (number | null)[];
  support: number[];
}

export interface EvaluationImages {
  predictions: number[];
  confidence: number[];
  loss: (number | null)[];
}

export interface ChannelStats {
  node: string;
  images: number;
  mean: number[];
  dead_fraction: number[];
}

/** Activations of one node for one image: values in row-major order of `shape`. */
export interface Activations {
  shape: number[];
  values: Float32Array;
  min: number;
  max: number;
}
