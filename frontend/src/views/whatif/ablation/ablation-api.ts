// The ablation routes: named sets of switched-off channels, predictions of the current image
// with and without a set, and the dataset re-evaluation job with its result.
import { request } from "../../../api/client";
import type { Job } from "../../../api/types";
import { imageQuery, type ImageRef } from "../../../state/image-ref";

export type AblationMode = "zero" | "mean";

export interface AblationSpec {
  node: string;
  channels: number[];
  mode: AblationMode;
}

export interface AblationSet {
  name: string;
  ablations: (AblationSpec & { values: number[] })[];
  /** Channels switched off, over all nodes. */
  channels: number;
}

export interface AblatedPrediction {
  name: string;
  label: number;
  title: string;
  before: number[];
  after: number[];
}

export interface AblationEffect {
  ablations: AblationSet["ablations"];
  classes: string[];
  support: number[];
  images: number;
  accuracy_before: number | null;
  accuracy_after: number | null;
  recall_before: (number | null)[];
  recall_after: (number | null)[];
  changed: { indices: number[]; labels: number[]; before: number[]; after: number[] };
}

/** The working set the panel edits (and the architecture view's Ablate button adds to). */
export const DRAFT = "draft";

const setUrl = (name: string): string => `api/ablations/${encodeURIComponent(name)}`;
const query = (ref: ImageRef): string =>
  imageQuery("tray" in ref ? { image: 0, tray: ref.tray } : { image: ref.index, tray: null });
const relative = (url: string): string => (url.startsWith("/") ? url.slice(1) : url);

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await request(path, init)).json()) as T;
}

export const ablationApi = {
  list: () => json<AblationSet[]>("api/ablations"),
  put: (name: string, ablations: AblationSpec[], combine: string[] = []) =>
    json<AblationSet>(setUrl(name), {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ablations, combine }),
    }),
  remove: async (name: string): Promise<void> => {
    await request(setUrl(name), { method: "DELETE" });
  },
  predictions: (name: string, ref: ImageRef) => json<AblatedPrediction>(`${setUrl(name)}/predictions?${query(ref)}`),
  startEffect: (name: string) => json<Job>(`api/jobs/ablation/${encodeURIComponent(name)}`, { method: "POST" }),
  effect: (resultUrl: string) => json<AblationEffect>(relative(resultUrl)),
};

/** `spec` with `channel` of `node` added (switched off), merged per node and mode. */
export function withChannel(
  spec: AblationSpec[],
  node: string,
  channel: number,
  mode: AblationMode = "zero",
): AblationSpec[] {
  const out = spec.map((a) => ({ ...a, channels: [...a.channels] }));
  const entry = out.find((a) => a.node === node && a.mode === mode);
  if (entry) {
    if (!entry.channels.includes(channel)) entry.channels.push(channel);
  } else {
    out.push({ node, channels: [channel], mode });
  }
  return out;
}

/** Add `channel` of `node` to the server's draft set (used from the architecture view). */
export async function addToDraft(node: string, channel: number): Promise<void> {
  const sets = await ablationApi.list();
  const draft = sets.find((s) => s.name === DRAFT);
  const spec: AblationSpec[] = (draft?.ablations ?? []).map(({ node: n, channels, mode }) => ({
    node: n,
    channels,
    mode,
  }));
  await ablationApi.put(DRAFT, withChannel(spec, node, channel));
}
