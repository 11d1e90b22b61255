// The attribution routes: the method list, the current image as the model sees it and its
// predictions (the shared per-image routes), maps (fast ones computed at once, slow ones through a job) and the jobs.
import { ApiError, api, request } from "../../../api/client";
import type { ImagePrediction, Job } from "../../../api/types";
import type { ImageRef } from "../../../state/image-ref";

export interface AttributionMethod {
  name: string;
  title: string;
  /** Both signs: positive is evidence for the target class, negative against it. */
  signed: boolean;
  /** Computed within the request (one backward pass); the others run as jobs. */
  fast: boolean;
  /** Explains at a graph node (Grad-CAM). */
  takes_node: boolean;
  description: string;
}

export interface AttributionMethods {
  methods: AttributionMethod[];
  /** Nodes with a (C, H, W) output, where Grad-CAM gives a map. */
  nodes: string[];
  default_node: string | null;
}

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

export interface MapRequest {
  image: ImageRef;
  method: string;
  target: number | null;
  node: string | null;
}

const query = (image: ImageRef): string =>
  "index" in image ? `index=${image.index}` : `tray=${encodeURIComponent(image.tray)}`;

function mapQuery(body: MapRequest): string {
  const params = new URLSearchParams({ method: body.method });
  if (body.target !== null) params.set("target", String(body.target));
  if (body.node !== null) params.set("node", body.node);
  return `${query(body.image)}&${params.toString()}`;
}

async function readMap(response: Response, method: string): Promise<AttributionMap> {
  const [height = 0, width = 0] = (response.headers.get("X-Shape") ?? "").split(",").map(Number);
  const values = new Float32Array(await response.arrayBuffer());
  if (values.length !== height * width)
    throw new ApiError(`The ${method} map has ${values.length} values, not ${height}×${width}.`, 500);
  return {
    method,
    values,
    height,
    width,
    target: Number(response.headers.get("X-Target")),
    node: response.headers.get("X-Node") || null,
    signed: response.headers.get("X-Signed") === "true",
    clip: Number(response.headers.get("X-Clip")),
  };
}

const relative = (url: string): string => (url.startsWith("/") ? url.slice(1) : url);

export const attributionApi = {
  methods: async (): Promise<AttributionMethods> =>
    (await (await request("api/attribution/methods")).json()) as AttributionMethods,

  predictions: (image: ImageRef, top = 5): Promise<ImagePrediction> => api.predictionsFor(image, top),

  imageUrl: (image: ImageRef): string => api.imageUrlFor(image),

  /** The map if the server has it (fast methods always do); null when a job must compute it. */
  async map(body: MapRequest): Promise<AttributionMap | null> {
    const response = await request(`api/attribution?${mapQuery(body)}&if_cached=true`);
    return response.status === 204 ? null : readMap(response, body.method);
  },

  start: async (body: MapRequest): Promise<Job> =>
    (await (
      await request("api/jobs/attribution", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      })
    ).json()) as Job,

  /** The map a finished job computed. */
  async result(job: Job, method: string): Promise<AttributionMap> {
    if (!job.result_url) throw new ApiError("The attribution job finished without a result address.", 500);
    return readMap(await request(relative(job.result_url)), method);
  },
};
