// The trust routes: how far to trust an explanation. One image's randomisation check (with its
// maps as float32) and faithfulness curves, the ranked method table over a dataset sample, and
// the feature-visualisation path check; each a cached job, through the shared fetch layer.
import { float32, getJson, getJsonAt, postJson, relative, resultUrl } from "./client";
import type { Schemas } from "./paths";
import type { Job } from "./types";
import type { ImageRef } from "../state/image-ref";

export type RandomizationResult = Schemas["RandomizationOut"];
export type Faithfulness = Schemas["FaithfulnessOut"];
export type Curve = Schemas["CurveOut"];
export type TrustTable = Schemas["TableOut"];
export type TrustRow = Schemas["TableRowOut"];
export type FeatureVisCheck = Schemas["FeatureVisCheckOut"];
/** An attribution method or one of the model-free controls. */
export type RandomizationOrder = RandomizationResult["order"];
export type CheckMethod = Schemas["ImageCheckRequest"]["method"];

/** The model-free references every method should beat (titles as the server names them). */
export const CONTROLS: readonly { name: CheckMethod; title: string }[] = [
  { name: "random", title: "Random map" },
  { name: "edges", title: "Edge detector" },
];

/** One image's check: every field given, `null` for the server's default. */
export interface ImageCheck {
  image: ImageRef;
  method: CheckMethod;
  target: number | null;
  node: string | null;
}

/** The randomisation maps: `count` = steps + 1 frames of height × width, the original first. */
export interface RandomizationMaps {
  count: number;
  height: number;
  width: number;
  values: Float32Array;
}

export const trustApi = {
  startRandomization: (body: ImageCheck, order: RandomizationOrder): Promise<Job> =>
    postJson("/api/jobs/trust/randomization", { body: { ...body, order } }),
  randomization: (job: Job): Promise<RandomizationResult> =>
    getJsonAt(resultUrl(job), "/api/trust/randomization/{key}"),
  async maps(result: RandomizationResult): Promise<RandomizationMaps> {
    const { shape, values } = await float32(relative(result.maps_url), 3);
    const [count = 0, height = 0, width = 0] = shape;
    return { count, height, width, values };
  },

  startFaithfulness: (body: ImageCheck): Promise<Job> => postJson("/api/jobs/trust/faithfulness", { body }),
  faithfulness: (job: Job): Promise<Faithfulness> => getJsonAt(resultUrl(job), "/api/trust/faithfulness/{key}"),

  startTable: (images: number, seed = 0): Promise<Job> => postJson("/api/jobs/trust/table", { body: { images, seed } }),
  table: (job: Job): Promise<TrustTable> => getJsonAt(resultUrl(job), "/api/trust/table/{key}"),
  /** The table last asked for on the selected model and data, once computed, else null (the
   * route's 204): shown on load without starting hours of work. */
  async latestTable(): Promise<TrustTable | null> {
    const table = (await getJson("/api/trust/table/latest")) as TrustTable | undefined;
    return table ?? null;
  },

  startFeatureVisCheck: (node: string, channel: number, steps: number, seed: number): Promise<Job> =>
    postJson("/api/jobs/trust/featurevis", { body: { node, channel, steps, seed } }),
  featureVisCheck: (job: Job): Promise<FeatureVisCheck> => getJsonAt(resultUrl(job), "/api/trust/featurevis/{key}"),
};
