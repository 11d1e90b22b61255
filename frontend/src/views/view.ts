// The contract every view follows: a factory that builds its element from the app context,
// reacts to state through subscriptions, and releases everything in destroy().
import type { Api } from "../api/client";
import type { DatasetInfo, EvaluationImages, EvaluationSummary, ModelGraph, ModelInfo } from "../api/types";
import type { JobRunner } from "../state/jobs";
import type { Observable, Store } from "../state/store";
import type { ChangesState } from "./changes/changes-state";

/** The dataset evaluation, once it has run (null before). */
export interface EvaluationData {
  summary: EvaluationSummary;
  images: EvaluationImages;
}

export interface AppContext {
  api: Api;
  model: ModelInfo;
  graph: ModelGraph;
  dataset: DatasetInfo;
  store: Store;
  evaluation: Observable<EvaluationData | null>;
  jobs: JobRunner;
  /** Start (or join) the evaluation job; resolves when its results are loaded. */
  evaluate(): Promise<void>;
  /** The checkpoint series, the model compared with, and their comparison (What changed). */
  changes: ChangesState;
}

export interface View {
  readonly element: HTMLElement;
  /** Called when the view's section becomes visible (lay out, fit to size). */
  draw(): void;
  destroy(): void;
}

export type ViewFactory = (context: AppContext) => View;
