// The projection routes: start a projection job, read its binary result, and the server's
// layer lists. Relative URLs, like the shared client whose request() this uses.
import { ApiError, request } from "../../api/client";
import type { Job } from "../../api/types";

export interface ProjectionRequest {
  /** Dataset indices, 1..20,000; the result keeps this point order. */
  indices: number[];
  /** Graph nodes to project, in order; null for the server's default layers. */
  nodes: string[] | null;
  pivots: number;
  /** Tray image ids (at most 32), projected after the dataset images in this order. */
  tray?: string[];
}

export type ProjectionJob = Job;

/** A tray image (GET api/tray): an edit or an upload the user kept. */
export interface TrayPoint {
  id: string;
  name: string;
  /** True class, or -1. */
  label: number;
  /** The dataset image it was made from, or -1 (an upload). */
  source: number;
}

export const MAX_TRAY_POINTS = 32; // the server's limit per projection

export interface ProjectionLayers {
  /** The default layers: every node from input to output except reshapes. */
  all: string[];
  /** Convolutions and pooling only. */
  conv_pool: string[];
}

/**
 * How well the projected dataset images' true classes separate at each layer (GET
 * api/projections/{key}/scores), one value per layer; null where fewer than two classes were
 * scored. Tray images are not scored.
 */
export interface ProjectionScores {
  nodes: string[];
  /** Leave-one-out kNN accuracy of the 2-D layout, on `layout_points` images. */
  knn_layout: (number | null)[];
  /** The same in the full activations, on the `full_points` images the pivots are chosen from. */
  knn_full: (number | null)[];
  /** Silhouette of the 2-D layout, in [-1, 1]. */
  silhouette: (number | null)[];
  /** k of the kNN vote. */
  neighbours: number;
  layout_points: number;
  full_points: number;
  /** Share of the most common class: what a kNN vote would score by guessing. */
  chance: number | null;
}

/** Coordinates of `count` points at `layers` layers: `coords[(l * count + i) * 2 + {0, 1}]` in [-1, 1]. */
export interface ProjectionResult {
  nodes: string[];
  layers: number;
  count: number;
  coords: Float32Array;
  scores: ProjectionScores;
}

/** A server path made relative, so that the app also works behind a path prefix. */
const relative = (url: string): string => (url.startsWith("/") ? url.slice(1) : url);

export const projectionApi = {
  layers: async (): Promise<ProjectionLayers> =>
    (await (await request("api/projection-layers")).json()) as ProjectionLayers,

  start: async (body: ProjectionRequest): Promise<ProjectionJob> =>
    (await (
      await request("api/jobs/projection", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      })
    ).json()) as ProjectionJob,

  tray: async (): Promise<TrayPoint[]> => (await (await request("api/tray")).json()) as TrayPoint[],

  trayImageUrl: (id: string, scale = 1): string => `api/tray/${encodeURIComponent(id)}/image.png?scale=${scale}`,

  job: async (id: string): Promise<ProjectionJob> => (await (await request(`api/jobs/${id}`)).json()) as ProjectionJob,

  /** The coordinates a finished job made (raw little-endian Float32, shape in X-Shape), and
   * their scores. */
  async result(job: ProjectionJob): Promise<ProjectionResult> {
    const url = job.result_url ?? (await projectionApi.job(job.id)).result_url;
    if (!url) throw new ApiError("The projection finished but the server gave no result address.", 500);
    const [response, scores] = await Promise.all([
      request(relative(url)),
      request(`${relative(url)}/scores`).then(async (r) => (await r.json()) as ProjectionScores),
    ]);
    const shape = (response.headers.get("X-Shape") ?? "").split(",").map(Number);
    const nodes = (response.headers.get("X-Nodes") ?? "").split(",").filter((name) => name !== "");
    const coords = new Float32Array(await response.arrayBuffer());
    const [layers = 0, count = 0, two = 0] = shape;
    if (shape.length !== 3 || two !== 2 || layers * count * 2 !== coords.length) {
      throw new ApiError(
        `The projection result has an unexpected shape (${shape.join("×")}, ${coords.length} values).`,
        500,
      );
    }
    while (nodes.length < layers) nodes.push(`layer ${nodes.length}`);
    if (scores.knn_layout.length !== layers)
      throw new ApiError(`The projection has ${layers} layers but ${scores.knn_layout.length} scores.`, 500);
    return { nodes: nodes.slice(0, layers), layers, count, coords, scores };
  },
};
