// The projection routes: start a projection job, read its binary result and scores, and the
// server's layer lists and tray, through the shared fetch layer.
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

/** Coordinates of `count` points at `layers` layers: `coords[(l * count + i) * 2 + {0, 1}]` in [-1, 1]. */
export interface ProjectionResult {
  nodes: string[];
  layers: number;
  count: number;
  coords: Float32Array;
  scores: ProjectionScores;
}

export const projectionApi = {
  layers: () => getJson("/api/projection-layers"),
  start: (body: ProjectionRequest) => postJson("/api/jobs/projection", { body }),
  // The schema gives `source` a default (-1), so it may be absent.
  tray: async (): Promise<TrayPoint[]> =>
    (await getJson("/api/tray")).map((entry) => ({ ...entry, source: entry.source ?? -1 })),

  /** The coordinates a finished job made, (layers, count, 2), and their scores. */
  async result(job: ProjectionJob): Promise<ProjectionResult> {
    const url = resultUrl(job);
    const [{ shape, values: coords, headers }, scores] = await Promise.all([
      float32(url, 3),
      getJsonAt(`${url}/scores`, "/api/projections/{key}/scores"),
    ]);
    const [layers = 0, count = 0, two = 0] = shape;
    if (two !== 2) throw new ApiError(`The projection result has an unexpected shape (${shape.join("×")}).`, 500);
    const nodes = (headers.get("X-Nodes") ?? "").split(",").filter((name) => name !== "");
    while (nodes.length < layers) nodes.push(`layer ${nodes.length}`);
    if (scores.knn_layout.length !== layers)
      throw new ApiError(`The projection has ${layers} layers but ${scores.knn_layout.length} scores.`, 500);
    return { nodes: nodes.slice(0, layers), layers, count, coords, scores };
  },
};
