// The What-if routes: edit previews (one forward pass each), the tray (keep, upload, list,
// remove) and occlusion-sensitivity jobs. Relative URLs, like the shared client.
import { ApiError, request } from "../../../api/client";
import type { ClassScore, Job } from "../../../api/types";
import type { ImageRef } from "../../../state/image-ref";

/** One edit, as src/deepling/analysis/edits.py defines it; applied in list order. */
export type Edit =
  | { op: "occlude"; x: number; y: number; w: number; h: number; fill: OcclusionFill; seed?: number }
  | { op: "brush"; points: [number, number][]; radius: number; colour: number[]; erase: boolean }
  | { op: "rotate"; degrees: number; fill?: number }
  | { op: "flip"; axis: "horizontal" | "vertical" }
  | { op: "shift"; dx: number; dy: number; fill?: number }
  | { op: "crop"; x: number; y: number; w: number; h: number }
  | { op: "brightness"; delta: number }
  | { op: "contrast"; factor: number }
  | { op: "noise"; sigma: number; seed: number }
  | { op: "blur"; sigma: number };

export type OcclusionFill = "grey" | "blur" | "noise";

export interface PreviewActivations {
  node: string;
  format: "f32" | "png";
  shape: number[];
  min: number;
  max: number;
  /** The activations route's body in base64. */
  data: string;
}

export interface Preview {
  /** The edited image at the model's input, a PNG data URL. */
  image: string;
  label: number;
  label_name: string | null;
  top: ClassScore[];
  probabilities: number[];
  original: number[];
  activations: PreviewActivations | null;
}

export interface TrayEntry {
  id: string;
  name: string;
  label: number;
  label_name: string | null;
  created: number;
}

export interface OcclusionResult {
  /** Row-major (height, width): the target's mean probability drop where the patch covers. */
  drop: Float32Array;
  height: number;
  width: number;
  target: number;
  probability: number;
}

const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await request(path, init)).json()) as T;
}

/** Base64 little-endian float32 to a Float32Array. */
export function decodeFloat32(base64: string): Float32Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

export const editorApi = {
  preview: (image: ImageRef, edits: Edit[], node: string | null) =>
    json<Preview>("api/whatif/preview", post({ image, edits, node, top: 5 })),
  tray: () => json<TrayEntry[]>("api/tray"),
  keep: (image: ImageRef, edits: Edit[]) => json<TrayEntry>("api/tray", post({ image, edits })),
  async upload(file: File): Promise<TrayEntry> {
    const form = new FormData();
    form.append("file", file, file.name);
    return json<TrayEntry>("api/tray/upload", { method: "POST", body: form });
  },
  remove: async (id: string): Promise<void> => {
    await request(`api/tray/${encodeURIComponent(id)}`, { method: "DELETE" });
  },
  trayImageUrl: (id: string, scale = 1) => `api/tray/${encodeURIComponent(id)}/image.png?scale=${scale}`,
  startOcclusion: (image: ImageRef, edits: Edit[], patch: number, stride: number) =>
    json<Job>("api/jobs/occlusion", post({ image, edits, patch, stride })),
  async occlusion(job: Job): Promise<OcclusionResult> {
    if (!job.result_url) throw new ApiError("The occlusion job finished without a result address.", 500);
    const response = await request(job.result_url.replace(/^\//, ""));
    const [height = 0, width = 0] = (response.headers.get("X-Shape") ?? "").split(",").map(Number);
    const drop = new Float32Array(await response.arrayBuffer());
    if (drop.length !== height * width) throw new ApiError("The occlusion map has an unexpected shape.", 500);
    return {
      drop,
      height,
      width,
      target: Number(response.headers.get("X-Target")),
      probability: Number(response.headers.get("X-Probability")),
    };
  },
};
