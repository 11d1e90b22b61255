// What if › Ablate channels: pick a node and switch channels off (in its feature-map grid or by
// number), see the current image's predictions before and after at once, keep and combine named
// sets, and re-evaluate the whole dataset with the ablation as a job. The working set lives on
// the server as the "draft" set, so the architecture view's Ablate button can add to it.
import { ApiError } from "../../../api/client";
import type { Activations, GraphNode } from "../../../api/types";
import { JobCancelled } from "../../../state/jobs";
import { imageRef, sameImage } from "../../../state/image-ref";
import { el, showError } from "../../../ui/dom";
import { nodeOptionText } from "../../../ui/node-names";
import type { AppContext, View } from "../../view";
import {
  ablationApi,
  DRAFT,
  withChannel,
  type AblationMode,
  type AblationSet,
  type AblationSpec,
} from "../../../api/ablation";
import { createBatchNormNote } from "./batch-norm-note";
import { createChannelPicker, parseChannels, type ChannelPicker } from "./channel-picker";
import { effectView } from "./effect-view";
import { predictionBars } from "./prediction-bars";
import "./ablation.css";

const specOf = (set: AblationSet): AblationSpec[] =>
  set.ablations.map(({ node, channels, mode }) => ({ node, channels: [...channels], mode }));
const summary = (spec: AblationSpec[]): string =>
  spec.map((a) => `${a.node}[${a.channels.join(",")}]${a.mode === "mean" ? " (mean)" : ""}`).join(" + ");

/** [0, 1, 2, 5, 7, 8] as "0-2, 5, 7-8". */
function ranges(channels: number[]): string {
  const sorted = [...channels].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

export function createAblationView(context: AppContext): View {
  const nodes = context.graph.nodes.filter((n) => n.shape.length >= 1 && n.op !== "input");
  const defaultNode = [...nodes].reverse().find((n) => n.shape.length === 3)?.name ?? nodes[0]?.name ?? "";
  const nodeOf = (name: string | null): GraphNode | undefined => nodes.find((n) => n.name === name);
  let node = nodeOf(context.store.get().node)?.name ?? defaultNode;
  let draft: AblationSpec[] = [];
  let picker: ChannelPicker | null = null;
  let generation = 0;

  const nodeSelect = el("select", { id: "ablation-node", "aria-label": "Node" });
  for (const n of nodes) nodeSelect.append(el("option", { value: n.name }, nodeOptionText(n)));
  const modeSelect = el("select", { id: "ablation-mode", "aria-label": "Switched-off value" });
  modeSelect.append(
    el("option", { value: "zero" }, "set to 0"),
    el("option", { value: "mean" }, "set to dataset mean"),
  );
  /** This node's channels at `mode` moved to `target` at `targetMode` (merged per node and mode). */
  const move = (target: string, mode: AblationMode, targetMode: AblationMode): AblationSpec[] => {
    const moved = draft.filter((a) => a.node === node && a.mode === mode);
    const kept = draft.filter((a) => !moved.includes(a));
    return moved.flatMap((a) => a.channels).reduce((acc, c) => withChannel(acc, target, c, targetMode), kept);
  };
  const bnNote = createBatchNormNote(context.graph.nodes, {
    useNode(target) {
      setDraft(move(target, "zero", "zero"));
      context.store.update({ node: target }); // same channel numbers: a BN and its activation keep them
    },
    useMean() {
      modeSelect.value = "mean";
      setDraft(move(node, "zero", "mean"));
      bnNote.show(node, "mean");
    },
  });
  const numbers = el("input", {
    id: "ablation-numbers",
    type: "text",
    placeholder: "e.g. 3, 7-9",
    "aria-label": "Channels to switch off",
  });
  const numbersButton = el("button", {}, "Switch off");
  const pickerBox = el("div", { class: "ab-picker-box" });
  const draftBox = el("div", { class: "ab-draft", id: "ablation-draft" });
  const predsBox = el("div", { class: "ab-preds-box", id: "ablation-predictions" });
  const saveName = el("input", {
    id: "ablation-name",
    type: "text",
    placeholder: "name",
    maxlength: "64",
    "aria-label": "Set name",
  });
  const saveButton = el("button", { id: "ablation-save" }, "Save set");
  const setsBox = el("div", { class: "ab-sets", id: "ablation-sets" });
  const runButton = el("button", { id: "ablation-run", class: "primary" }, "Re-evaluate dataset");
  const effectBox = el(
    "div",
    { class: "ab-effect-box" },
    el(
      "p",
      { class: "muted" },
      "Run the dataset with the switched-off channels to see accuracy per class before and after, and the images whose prediction changes.",
    ),
  );

  const element = el(
    "div",
    { class: "ab-view" },
    el(
      "div",
      { class: "ab-side" },
      el("h3", { class: "ab-head" }, "Channels to switch off"),
      el("label", { class: "ab-row" }, el("span", {}, "Node"), nodeSelect),
      bnNote.element,
      el("label", { class: "ab-row" }, el("span", {}, "Value"), modeSelect),
      el("div", { class: "ab-row" }, numbers, numbersButton),
      pickerBox,
    ),
    el(
      "div",
      { class: "ab-main" },
      el("section", {}, el("h3", { class: "ab-head" }, "Switched off"), draftBox),
      el("section", {}, el("h3", { class: "ab-head" }, "Current image, without → with"), predsBox),
      el(
        "section",
        {},
        el("h3", { class: "ab-head" }, "Named sets"),
        el("div", { class: "ab-row" }, saveName, saveButton),
        setsBox,
      ),
      el("section", {}, el("h3", { class: "ab-head" }, "Whole dataset"), runButton, effectBox),
    ),
  );

  const offAt = (name: string): Set<number> => new Set(draft.filter((a) => a.node === name).flatMap((a) => a.channels));

  /** Many channels of one node: one chip listing them as ranges, switching them all back on. */
  const rangeChip = (a: AblationSpec, i: number): HTMLElement => {
    const chip = el(
      "button",
      { class: "ab-chip", title: "Switch these back on" },
      `${a.channels.length} channels: ${ranges(a.channels)} ×`,
    );
    chip.onclick = () => setDraft(draft.filter((_, j) => j !== i));
    return chip;
  };

  const drawDraft = (): void => {
    if (!draft.length) {
      draftBox.replaceChildren(
        el(
          "p",
          { class: "muted" },
          "Nothing yet: click feature maps on the left, or press Ablate on a channel in the Architecture view.",
        ),
      );
    } else {
      draftBox.replaceChildren(
        ...draft.map((a, i) =>
          el(
            "div",
            { class: "ab-draft-row" },
            el("span", { class: "ab-draft-node" }, a.node),
            ...(a.channels.length > 16
              ? [rangeChip(a, i)]
              : a.channels.map((c) => {
                  const chip = el("button", { class: "ab-chip", title: "Switch back on" }, `${c} ×`);
                  chip.onclick = () =>
                    setDraft(
                      draft.map((b, j) => (j === i ? { ...b, channels: b.channels.filter((d) => d !== c) } : b)),
                    );
                  return chip;
                })),
            el("span", { class: "muted" }, a.mode === "mean" ? "at dataset mean" : "at 0"),
          ),
        ),
      );
      const clear = el("button", { class: "link" }, "switch all back on");
      clear.onclick = () => setDraft([]);
      draftBox.append(clear);
    }
    picker?.setOff(offAt(node));
    runButton.disabled = saveButton.disabled = !draft.length;
  };

  /** Save the draft on the server (computing channel statistics first for mean mode). */
  let draftOnServer = false; // so that an empty draft is deleted only if there is one
  const saveDraft = async (): Promise<void> => {
    try {
      await ablationApi.put(DRAFT, draft);
      draftOnServer = true;
    } catch (error) {
      const missing = draft.find((a) => a.mode === "mean");
      if (!(error instanceof ApiError && error.status === 409 && missing)) throw error;
      await context.jobs.run(`Channel statistics of ${missing.node}`, () =>
        context.api.startChannelStats(missing.node),
      );
      await saveDraft();
    }
  };

  // Saves run one after another, so the server's draft is always the latest one.
  let queue: Promise<void> = Promise.resolve();
  const refreshPredictions = (): Promise<void> => {
    const mine = ++generation;
    queue = queue.then(() => (mine === generation ? comparePredictions(mine) : undefined));
    return queue;
  };
  const comparePredictions = async (mine: number): Promise<void> => {
    if (!draft.length) {
      predsBox.replaceChildren(el("p", { class: "muted" }, "Switch channels off to compare."));
      if (draftOnServer) await ablationApi.remove(DRAFT).catch(() => undefined); // gone already: fine
      draftOnServer = false;
      return;
    }
    predsBox.classList.add("loading");
    try {
      await saveDraft();
      const prediction = await ablationApi.predictions(DRAFT, imageRef(context.store.get()));
      if (mine === generation) predsBox.replaceChildren(predictionBars(prediction, context.model.classes));
    } catch (error) {
      if (mine === generation && !(error instanceof JobCancelled)) showError(predsBox, error);
    } finally {
      if (mine === generation) predsBox.classList.remove("loading");
    }
  };

  const setDraft = (next: AblationSpec[]): void => {
    draft = next.filter((a) => a.channels.length);
    drawDraft();
    void refreshPredictions();
  };

  const toggle = (channel: number): void => {
    if (offAt(node).has(channel))
      setDraft(draft.map((a) => (a.node === node ? { ...a, channels: a.channels.filter((c) => c !== channel) } : a)));
    else setDraft(withChannel(draft, node, channel, modeSelect.value as AblationMode));
  };

  const loadPicker = async (): Promise<void> => {
    const target = nodeOf(node);
    nodeSelect.value = node;
    bnNote.show(node, modeSelect.value as AblationMode);
    if (!target) return;
    pickerBox.replaceChildren(el("p", { class: "muted" }, "Loading feature maps…"));
    try {
      const acts: Activations = await context.api.activations(imageRef(context.store.get()), node);
      if (target.name !== node) return;
      const shape = target.shape.length === 3 ? target.shape : [acts.values.length];
      picker = createChannelPicker({ ...acts, shape }, toggle);
      pickerBox.replaceChildren(picker.element);
      picker.setOff(offAt(node));
    } catch (error) {
      showError(pickerBox, error);
    }
  };

  const drawSets = async (): Promise<void> => {
    try {
      const sets = (await ablationApi.list()).filter((s) => s.name !== DRAFT);
      if (!sets.length) {
        setsBox.replaceChildren(
          el("p", { class: "muted" }, "Save the switched-off channels under a name to combine them with others later."),
        );
        return;
      }
      setsBox.replaceChildren(
        ...sets.map((set) => {
          const use = el("button", { title: "Replace the switched-off channels with this set" }, "use");
          const add = el("button", { title: "Add this set to the switched-off channels (combine)" }, "add");
          const remove = el("button", { class: "link", title: "Delete this set" }, "×");
          use.onclick = () => setDraft(specOf(set));
          add.onclick = () =>
            setDraft(
              specOf(set).reduce(
                (acc, a) => a.channels.reduce((s, c) => withChannel(s, a.node, c, a.mode), acc),
                draft,
              ),
            );
          remove.onclick = () =>
            void ablationApi.remove(set.name).then(drawSets, (e: unknown) => showError(setsBox, e));
          return el(
            "div",
            { class: "ab-set", "data-set": set.name },
            el("strong", {}, set.name),
            el(
              "span",
              { class: "muted ab-set-spec", title: summary(specOf(set)) },
              `${set.channels} channels · ${summary(specOf(set))}`,
            ),
            el("span", { class: "ab-set-buttons" }, use, add, remove),
          );
        }),
      );
    } catch (error) {
      showError(setsBox, error);
    }
  };

  nodeSelect.onchange = () => context.store.update({ node: nodeSelect.value, channel: null });
  modeSelect.onchange = () => bnNote.show(node, modeSelect.value as AblationMode);
  numbersButton.onclick = () => {
    const target = nodeOf(node);
    const chosen = target ? parseChannels(numbers.value, target.shape[0] ?? 0) : null;
    if (!chosen || !chosen.length) {
      numbers.setCustomValidity("Channel numbers or ranges of this node, e.g. 3, 7-9");
      numbers.reportValidity();
      return;
    }
    numbers.setCustomValidity("");
    setDraft(chosen.reduce((acc, c) => withChannel(acc, node, c, modeSelect.value as AblationMode), draft));
  };
  saveButton.onclick = () => {
    const name = saveName.value.trim();
    if (!/^[\w .+-]{1,64}$/.test(name) || name === DRAFT) {
      saveName.setCustomValidity("Letters, digits, spaces and . + - (not “draft”)");
      saveName.reportValidity();
      return;
    }
    saveName.setCustomValidity("");
    void ablationApi.put(name, draft).then(drawSets, (e: unknown) => showError(setsBox, e));
  };
  runButton.onclick = async () => {
    runButton.disabled = true;
    effectBox.classList.add("loading");
    try {
      await saveDraft();
      const job = await context.jobs.run("Re-evaluating with ablation", () => ablationApi.startEffect(DRAFT));
      effectBox.replaceChildren(effectView(context, await ablationApi.effect(job)));
    } catch (error) {
      if (!(error instanceof JobCancelled)) showError(effectBox, error);
    } finally {
      runButton.disabled = !draft.length;
      effectBox.classList.remove("loading");
    }
  };

  const unsubscribe = context.store.subscribe((state, previous) => {
    const nodeChanged = state.node !== previous.node && nodeOf(state.node) !== undefined;
    if (nodeChanged) node = state.node as string;
    if (nodeChanged || !sameImage(state, previous)) void loadPicker();
    if (!sameImage(state, previous)) void refreshPredictions();
  });

  return {
    element,
    draw() {
      // The draft may have grown elsewhere (the architecture view's Ablate button).
      void ablationApi.list().then(
        (sets) => {
          const saved = sets.find((s) => s.name === DRAFT);
          draftOnServer = saved !== undefined;
          setDraft(saved ? specOf(saved) : draft);
        },
        (e: unknown) => showError(draftBox, e),
      );
      if (!picker) void loadPicker();
      void drawSets();
    },
    destroy() {
      generation++;
      unsubscribe();
    },
  };
}
