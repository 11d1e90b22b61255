// The What-if routes: edit previews (one forward pass each), the tray (keep, upload, list,
// remove) and occlusion-sensitivity jobs, through the shared fetch layer.
import { deleteJson, float32, getJson, postJson, resultUrl } from "../../../api/client";
import type { Schemas } from "../../../api/paths";
import type { Job } from "../../../api/types";
import type { ImageRef } from "../../../state/image-ref";

export { decodeFloat32 } from "../../../api/client";

/** One edit, as src/deepling/analysis/edits.py defines it; applied in list order. */
export type Edit = NonNullable<Schemas["PreviewRequest"]["edits"]>[number];
export type OcclusionFill = NonNullable<Schemas["Occlude"]["fill"]>;
export type PreviewActivations = Schemas["ActivationsOut"];
export type Preview = Schemas["PreviewOut"];
export type TrayEntry = Schemas["TrayEntry"];

export interface OcclusionResult {
  /** Row-major (height, width): the target's mean probability drop where the patch covers. */
  drop: Float32Array;
  height: number;
  width: number;
  target: number;
  probability: number;
}

export const editorApi = {
  preview: (image: ImageRef, edits: Edit[], node: string | null): Promise<Preview> =>
    postJson("/api/whatif/preview", { body: { image, edits, node, top: 5 } }),
  tray: (): Promise<TrayEntry[]> => getJson("/api/tray"),
  keep: (image: ImageRef, edits: Edit[]): Promise<TrayEntry> => postJson("/api/tray", { body: { image, edits } }),
  upload(file: File): Promise<TrayEntry> {
    const body = new FormData();
    body.append("file", file, file.name);
    return postJson("/api/tray/upload", { body });
  },
  remove: (tray_id: string): Promise<void> => deleteJson("/api/tray/{tray_id}", { path: { tray_id } }),
  startOcclusion: (image: ImageRef, edits: Edit[], patch: number, stride: number): Promise<Job> =>
    postJson("/api/jobs/occlusion", { body: { image, edits, patch, stride } }),
  async occlusion(job: Job): Promise<OcclusionResult> {
    const { shape, values, headers } = await float32(resultUrl(job), 2);
    const [height = 0, width = 0] = shape;
    const target = Number(headers.get("X-Target"));
    return { drop: values, height, width, target, probability: Number(headers.get("X-Probability")) };
  },
};
