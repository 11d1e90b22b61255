// The attribution routes: the method list, maps (fast ones computed at once, slow ones through a
// job) and the jobs, through the shared fetch layer. The image and its predictions come from the
// shared per-image routes (api.imageUrl, api.predictions).
import { api, cachedFloat32, float32, getJson, postJson, resultUrl, url, type Float32Body } from "../../../api/client";
import type { Schemas } from "../../../api/paths";
import type { ImagePrediction, Job } from "../../../api/types";
import type { ImageRef } from "../../../state/image-ref";

export type AttributionMethod = Schemas["AttributionMethodOut"];
export type AttributionMethods = Schemas["AttributionMethods"];

/** One map, row-major `values[y * width + x]`; `clip` is the colour scale's end (99th pct of |v|). */
export interface AttributionMap {
  method: string;
  values: Float32Array;
  height: number;
  width: number;
  target: number;
  node: string | null;
  signed: boolean;
  clip: number;
}

/** A map's request (a job's body): every field given, `null` for the server's default. */
export type MapRequest = Required<Omit<Schemas["AttributionJobRequest"], "image">> & { image: ImageRef };

function readMap({ shape, values, headers }: Float32Body, method: string): AttributionMap {
  const [height = 0, width = 0] = shape;
  return {
    method,
    values,
    height,
    width,
    target: Number(headers.get("X-Target")),
    node: headers.get("X-Node") || null,
    signed: headers.get("X-Signed") === "true",
    clip: Number(headers.get("X-Clip")),
  };
}

export const attributionApi = {
  methods: (): Promise<AttributionMethods> => getJson("/api/attribution/methods"),

  predictions: (image: ImageRef, top = 5): Promise<ImagePrediction> => api.predictions(image, top),

  imageUrl: (image: ImageRef): string => api.imageUrl(image),

  /** The map if the server has it (fast methods always do); null when a job must compute it. */
  async map({ image, method, target, node }: MapRequest): Promise<AttributionMap | null> {
    const query = { ...image, method, target, node, if_cached: true };
    const body = await cachedFloat32(url("/api/attribution", { query }), 2);
    return body && readMap(body, method);
  },

  start: (body: MapRequest): Promise<Job> => postJson("/api/jobs/attribution", { body }),

  /** The map a finished job computed. */
  result: async (job: Job, method: string): Promise<AttributionMap> =>
    readMap(await float32(resultUrl(job), 2), method),
};
