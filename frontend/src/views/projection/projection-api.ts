// The projection routes: start a projection job, read its scores and its coordinates one layer
// at a time (binary float32), and the server's layer lists and tray, through the shared fetch
// layer.
import { ApiError, float32, getJson, getJsonAt, postJson, resultUrl } from "../../api/client";
import type { Schemas } from "../../api/paths";
import type { Job } from "../../api/types";

export type ProjectionRequest = Schemas["ProjectionRequest"];
export type ProjectionJob = Job;
/** A tray image (GET api/tray): an edit or an upload the user kept; `source` -1 for an upload. */
export type TrayPoint = Required<Schemas["TrayEntry"]>;
export type ProjectionLayers = Schemas["ProjectionLayers"];
/**
 * How well the projected dataset images' true classes separate at each layer (GET
 * api/projections/{key}/scores), one value per layer; null where fewer than two classes were
 * scored. Tray images are not scored.
 */
export type ProjectionScores = Schemas["ProjectionScores"];

export const MAX_TRAY_POINTS = 32; // the server's limit per projection

/** A finished projection of `count` points at `layers` layers: its layers' node names and
 * scores, and its first layer's coordinates; the others come one at a time (`layer`). */
export interface ProjectionResult {
  url: string;
  nodes: string[];
  layers: number;
  count: number;
  /** Layer 0: x, y per point in [-1, 1] (NaN for an image the server could not read). */
  first: Float32Array;
  scores: ProjectionScores;
}

export const projectionApi = {
  layers: () => getJson("/api/projection-layers"),
  start: (body: ProjectionRequest) => postJson("/api/jobs/projection", { body }),
  // The schema gives `source` a default (-1), so it may be absent.
  tray: async (): Promise<TrayPoint[]> =>
    (await getJson("/api/tray")).map((entry) => ({ ...entry, source: entry.source ?? -1 })),

  /** A finished job's projection: its scores (which name the layers) and its first layer. */
  async result(job: ProjectionJob): Promise<ProjectionResult> {
    const url = resultUrl(job);
    const [scores, first] = await Promise.all([
      getJsonAt(`${url}/scores`, "/api/projections/{key}/scores"),
      projectionApi.layer(url, 0),
    ]);
    const nodes = scores.nodes;
    if (!nodes.length) throw new ApiError("The projection has no layers.", 500);
    if (scores.knn_layout.length !== nodes.length)
      throw new ApiError(`The projection has ${nodes.length} layers but ${scores.knn_layout.length} scores.`, 500);
    return { url, nodes, layers: nodes.length, count: first.length / 2, first, scores };
  },

  /** One layer's coordinates, (count, 2), from the result at `url` (GET {url}/layers/{layer}). */
  async layer(url: string, layer: number, count?: number): Promise<Float32Array> {
    const { shape, values } = await float32(`${url}/layers/${layer}`, 2);
    if (shape[1] !== 2 || (count !== undefined && shape[0] !== count))
      throw new ApiError(`Layer ${layer} of the projection has an unexpected shape (${shape.join("×")}).`, 500);
    return values;
  },
};
