// A typed client for the Deepling API. Errors carry the server's message (its `detail`).
import type {
  Activations,
  ChannelStats,
  DatasetInfo,
  EvaluationImages,
  ImagePage,
  EvaluationSummary,
  ImagePrediction,
  Job,
  ModelGraph,
  ModelInfo,
  Prediction,
} from "./types";
import { imageQuery, type ImageRef } from "../state/image-ref";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** fetch with the server's error message (its `detail`) as the thrown ApiError's message. */
export async function request(path: string, init?: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError("The Deepling server cannot be reached. Is it still running?", 0);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { detail?: unknown };
      if (typeof body.detail === "string") message = body.detail;
      else if (Array.isArray(body.detail)) message = JSON.stringify(body.detail);
    } catch {
      /* not JSON: keep the status line */
    }
    throw new ApiError(message, response.status);
  }
  return response;
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await request(path, init)).json()) as T;
}

/** A result the server computes in a job: null (a 204 to `if_cached=true`) until it has. */
export async function jsonIfCached<T>(path: string): Promise<T | null> {
  const response = await request(`${path}${path.includes("?") ? "&" : "?"}if_cached=true`);
  return response.status === 204 ? null : ((await response.json()) as T);
}

// Relative URLs: the app also works behind a path prefix (a notebook or reverse proxy).
const image = (index: number): string => `api/dataset/images/${index}`;
/** `?index=…` or `?tray=…`: the per-image routes that also serve tray images. */
const refQuery = (ref: ImageRef): string =>
  imageQuery("tray" in ref ? { image: 0, tray: ref.tray } : { image: ref.index, tray: null });

async function readActivations(response: Response): Promise<Activations> {
  const shape = (response.headers.get("X-Shape") ?? "").split(",").map(Number);
  return {
    shape,
    values: new Float32Array(await response.arrayBuffer()),
    min: Number(response.headers.get("X-Min")),
    max: Number(response.headers.get("X-Max")),
  };
}

export const api = {
  model: () => json<ModelInfo>("api/model"),
  graph: () => json<ModelGraph>("api/graph"),
  dataset: () => json<DatasetInfo>("api/dataset"),
  images: (offset: number, limit: number) => json<ImagePage>(`api/dataset/images?offset=${offset}&limit=${limit}`),
  imageUrl: (index: number, scale = 1) => `${image(index)}/image.png?scale=${scale}`,
  spriteUrl: (sheet: number, size: number) => `api/dataset/sprites/${sheet}.png?size=${size}`,
  predictions: (index: number, top = 5) => json<Prediction>(`${image(index)}/predictions?top=${top}`),
  activations: async (index: number, node: string): Promise<Activations> =>
    readActivations(await request(`${image(index)}/activations/${encodeURIComponent(node)}`)),
  // The same for any image, dataset or tray (the image as the model sees it).
  imageUrlFor: (ref: ImageRef, scale = 1) => `api/image/image.png?${refQuery(ref)}&scale=${scale}`,
  predictionsFor: (ref: ImageRef, top = 5) =>
    json<ImagePrediction>(`api/image/predictions?${refQuery(ref)}&top=${top}`),
  activationsFor: async (ref: ImageRef, node: string): Promise<Activations> =>
    readActivations(await request(`api/image/activations/${encodeURIComponent(node)}?${refQuery(ref)}`)),
  evaluation: () => json<EvaluationSummary>("api/evaluation"),
  evaluationImages: () => json<EvaluationImages>("api/evaluation/images"),
  startEvaluation: () => json<Job>("api/jobs/evaluation", { method: "POST" }),
  /** The node's channel statistics, or null until their job has run. */
  channelStats: (node: string) => jsonIfCached<ChannelStats>(`api/channel-stats/${encodeURIComponent(node)}`),
  startChannelStats: (node: string) =>
    json<Job>(`api/jobs/channel-stats/${encodeURIComponent(node)}`, { method: "POST" }),
  job: (id: string) => json<Job>(`api/jobs/${id}`),
  cancelJob: (id: string) => json<Job>(`api/jobs/${id}`, { method: "DELETE" }),
};

export type Api = typeof api;
