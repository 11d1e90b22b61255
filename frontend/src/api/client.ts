// The front end's one fetch layer. Every request goes through request(): relative URLs (the app
// also works behind a path prefix, in a notebook or behind a reverse proxy) and the server's
// message (its `detail`) on failure. JSON calls name a route as the server declares it
// ("/api/jobs/{job_id}", typed by schema.d.ts); float32() reads the raw little-endian arrays;
// waitForJob() and resultUrl() follow a job to its result. `api` holds the shared routes.
import type { ImageRef } from "../state/image-ref";
import type {
  Args,
  CachedPaths,
  Json,
  Method,
  Operation,
  PathsWith,
  RequestOptions,
  Schemas,
  UrlOptions,
} from "./paths";
import type { Activations, Job, ModelInfo } from "./types";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A server URL made relative to the page: the server's own URLs (result_url, …) start with '/'. */
export const relative = (url: string): string => (url.startsWith("/") ? url.slice(1) : url);

/** fetch, relative, with the server's error message (its `detail`) as the thrown ApiError's message. */
export async function request(url: string, init?: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(relative(url), init);
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

/** What the typed calls pass on, once their types have been checked. */
interface Untyped {
  path?: Record<string, string | number>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** `path` with its `{name}` parameters filled in and `query` appended (null and undefined left out). */
export function buildUrl(path: string, options: Untyped = {}): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = options.path?.[name];
    if (value === undefined) throw new Error(`${path} needs its ${name} parameter`);
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {}))
    if (value !== undefined && value !== null) query.set(key, String(value));
  const search = query.toString();
  return relative(search ? `${filled}?${search}` : filled);
}

/** A GET route's URL, for an <img> or a request made elsewhere. */
export const url = <P extends PathsWith<"get">>(path: P, ...[options]: Args<UrlOptions<Operation<P, "get">>>): string =>
  buildUrl(path, options as Untyped);

async function send(method: Method, path: string, options: Untyped = {}): Promise<unknown> {
  const { body } = options;
  const init: RequestInit =
    body === undefined
      ? { method: method.toUpperCase() }
      : body instanceof FormData
        ? { method: method.toUpperCase(), body }
        : { method: method.toUpperCase(), headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await request(buildUrl(path, options), init);
  return response.status === 204 ? undefined : response.json();
}

type Call<M extends Method> = <P extends PathsWith<M>>(
  path: P,
  ...[options]: Args<RequestOptions<Operation<P, M>>>
) => Promise<Json<Operation<P, M>>>;

const call =
  <M extends Method>(method: M): Call<M> =>
  (path, ...[options]) =>
    send(method, path, options as Untyped) as never;

export const getJson: Call<"get"> = call("get");
export const postJson: Call<"post"> = call("post");
export const putJson: Call<"put"> = call("put");
/** DELETE; resolves with the route's JSON, or undefined for a 204. */
export const deleteJson: Call<"delete"> = call("delete");

/** A result a job computes: null (the route's 204 to `if_cached=true`) until it has. */
export async function getCached<P extends CachedPaths>(
  path: P,
  ...[options]: Args<UrlOptions<Operation<P, "get">>>
): Promise<Json<Operation<P, "get">> | null> {
  const untyped = (options ?? {}) as Untyped;
  const result = await send("get", path, { ...untyped, query: { ...untyped.query, if_cached: true } });
  return result === undefined ? null : (result as Json<Operation<P, "get">>);
}

/** Whether `url` (a server URL, query aside) is one that `route` ("/api/strips/{key}") serves. */
export function servedBy(url: string, route: string): boolean {
  const pattern = relative(route)
    .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
    .replace(/\{\w+\}/g, "[^/]+");
  return new RegExp(`^${pattern}$`).test(relative(url).split("?")[0] ?? "");
}

/** The JSON at a URL the server gave (a job's result_url, …), typed as the route that serves it. */
export async function getJsonAt<P extends PathsWith<"get">>(url: string, route: P): Promise<Json<Operation<P, "get">>> {
  if (!servedBy(url, route)) throw new ApiError(`The server's address ${url} is not one of ${route}.`, 500);
  return (await (await request(url)).json()) as Json<Operation<P, "get">>;
}

/** A raw float32 body, `values` in row-major order of `shape` (X-Shape), and the headers that
 * carry the route's other numbers (X-Min, X-Target, …). */
export interface Float32Body {
  shape: number[];
  values: Float32Array;
  headers: Headers;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian float32 bytes as values, refused unless they fill `shape` (of `rank` dimensions, if given). */
export function toFloat32(buffer: ArrayBuffer, shape: readonly number[], rank?: number): Float32Array {
  const count = shape.reduce((product, n) => product * n, 1);
  const wellFormed = shape.every((n) => Number.isInteger(n) && n >= 0) && (rank === undefined || shape.length === rank);
  if (!wellFormed || buffer.byteLength !== count * 4) {
    const expected = rank === undefined ? "" : ` (${rank} dimensions expected)`;
    throw new ApiError(
      `The server sent ${buffer.byteLength / 4} float32 values for the shape ${shape.join("×") || "()"}${expected}.`,
      500,
    );
  }
  if (LITTLE_ENDIAN) return new Float32Array(buffer);
  const view = new DataView(buffer);
  return Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
}

/** An X-Shape header ("8,3,32,32") as numbers. */
export const parseShape = (header: string | null): number[] =>
  (header ?? "")
    .split(",")
    .filter((part) => part.trim() !== "")
    .map(Number);

async function readFloat32(response: Response, rank?: number): Promise<Float32Body> {
  const shape = parseShape(response.headers.get("X-Shape"));
  return { shape, values: toFloat32(await response.arrayBuffer(), shape, rank), headers: response.headers };
}

/** GET a raw little-endian float32 array, checked against its X-Shape (and `rank`, if given). */
export async function float32(url: string, rank?: number): Promise<Float32Body> {
  return readFloat32(await request(url), rank);
}

/** float32() from a URL asking `if_cached=true`: null (its 204) until a job has computed it. */
export async function cachedFloat32(url: string, rank?: number): Promise<Float32Body | null> {
  const response = await request(url);
  return response.status === 204 ? null : readFloat32(response, rank);
}

/** Base64 little-endian float32 (a route's body inside JSON), checked against `shape`. */
export function decodeFloat32(base64: string, shape: readonly number[]): Float32Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return toFloat32(bytes.buffer, shape);
}

const isRunning = (job: Job): boolean => job.state === "queued" || job.state === "running";

export interface Polling {
  /** Sees the job as first given and after every poll. */
  onUpdate?: (job: Job) => void;
  get?: (id: string) => Promise<Job>;
  wait?: (ms: number) => Promise<void>;
  intervalMs?: number;
}

/** Poll `job` (GET api/jobs/{id}) until it is done, failed or cancelled; resolves with that state. */
export async function waitForJob(job: Job, polling: Polling = {}): Promise<Job> {
  const { onUpdate, get = api.job, intervalMs = 250 } = polling;
  const wait = polling.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  onUpdate?.(job);
  while (isRunning(job)) {
    await wait(intervalMs);
    job = await get(job.id);
    onUpdate?.(job);
  }
  return job;
}

/** Where a finished job's result is served, relative. */
export function resultUrl(job: Job): string {
  if (!job.result_url) throw new ApiError(`The ${job.kind} job finished without a result address.`, 500);
  return relative(job.result_url);
}

/** `ModelInfo` with its input shape checked to be C, H, W. */
function modelInfo(info: Schemas["ModelInfo"]): ModelInfo {
  const [c, h, w, ...rest] = info.input_shape;
  if (c === undefined || h === undefined || w === undefined || rest.length > 0)
    throw new ApiError(`The model's input shape ${info.input_shape.join("×")} is not C×H×W.`, 500);
  return { ...info, input_shape: [c, h, w] };
}

export const api = {
  model: async (): Promise<ModelInfo> => modelInfo(await getJson("/api/model")),
  graph: () => getJson("/api/graph"),
  dataset: () => getJson("/api/dataset"),
  images: (offset: number, limit: number) => getJson("/api/dataset/images", { query: { offset, limit } }),
  spriteUrl: (sheet: number, size: number) =>
    url("/api/dataset/sprites/{sheet}.png", { path: { sheet }, query: { size } }),
  // Any image, dataset or tray, as the model sees it: the ref is the query (index=… or tray=…).
  imageUrl: (ref: ImageRef, scale = 1) => url("/api/image/image.png", { query: { ...ref, scale } }),
  predictions: (ref: ImageRef, top = 5) => getJson("/api/image/predictions", { query: { ...ref, top } }),
  async activations(ref: ImageRef, node: string): Promise<Activations> {
    const query = { ...ref, format: "f32" } as const;
    const { shape, values, headers } = await float32(url("/api/image/activations/{node}", { path: { node }, query }));
    return { shape, values, min: Number(headers.get("X-Min")), max: Number(headers.get("X-Max")) };
  },
  evaluation: () => getJson("/api/evaluation"),
  evaluationImages: () => getJson("/api/evaluation/images"),
  startEvaluation: () => postJson("/api/jobs/evaluation"),
  /** The node's channel statistics, or null until their job has run. */
  channelStats: (node: string) => getCached("/api/channel-stats/{node}", { path: { node } }),
  startChannelStats: (node: string) => postJson("/api/jobs/channel-stats/{node}", { path: { node } }),
  job: (job_id: string) => getJson("/api/jobs/{job_id}", { path: { job_id } }),
  cancelJob: (job_id: string) => deleteJson("/api/jobs/{job_id}", { path: { job_id } }),
};

export type Api = typeof api;
