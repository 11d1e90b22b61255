// The ablation routes: named sets of switched-off channels, predictions of the current image
// with and without a set, and the dataset re-evaluation job with its result, through the shared
// fetch layer.
import { ApiError, deleteJson, getJson, getJsonAt, postJson, putJson, resultUrl } from "./client";
import type { Schemas } from "./paths";
import type { Job } from "./types";
import type { ImageRef } from "../state/image-ref";

export type AblationMode = NonNullable<Schemas["AblationIn"]["mode"]>;
/** One node's channels to switch off, as the panel sends them (the mode always given). */
export type AblationSpec = Required<Schemas["AblationIn"]>;
/** A saved set, each ablation's mode checked (the server's schema types it as any string). */
export type AblationSet = Omit<Schemas["AblationSetOut"], "ablations"> & {
  ablations: (Schemas["AblationOut"] & { mode: AblationMode })[];
};
export type AblatedPrediction = Schemas["AblatedPrediction"];
export type AblationEffect = Schemas["AblationEffectOut"];

/** The working set the panel edits (and the architecture view's Ablate button adds to). */
export const DRAFT = "draft";

function checked(set: Schemas["AblationSetOut"]): AblationSet {
  const ablations = set.ablations.map(({ mode, ...a }): AblationSet["ablations"][number] => {
    if (mode === "zero" || mode === "mean") return { ...a, mode };
    throw new ApiError(`Unknown ablation mode "${mode}".`, 500);
  });
  return { ...set, ablations };
}

export const ablationApi = {
  list: async (): Promise<AblationSet[]> => (await getJson("/api/ablations")).map(checked),
  put: async (name: string, ablations: AblationSpec[], combine: string[] = []): Promise<AblationSet> =>
    checked(await putJson("/api/ablations/{name}", { path: { name }, body: { ablations, combine } })),
  remove: (name: string): Promise<void> => deleteJson("/api/ablations/{name}", { path: { name } }),
  predictions: (name: string, ref: ImageRef): Promise<AblatedPrediction> =>
    getJson("/api/ablations/{name}/predictions", { path: { name }, query: ref }),
  startEffect: (name: string): Promise<Job> => postJson("/api/jobs/ablation/{name}", { path: { name } }),
  effect: (job: Job): Promise<AblationEffect> => getJsonAt(resultUrl(job), "/api/ablation-effects/{key}"),
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
