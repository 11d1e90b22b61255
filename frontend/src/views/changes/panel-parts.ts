// Pieces every panel of the What changed section shares: its head (question, what it shows, its
// run button and status) and the note shown where there is no model to compare with.
import { el } from "../../ui/dom";
import type { CheckpointsInfo } from "./changes-api";
import { hasChoice } from "./compare-options";

export function panelHead(question: string, about: string, ...controls: HTMLElement[]): HTMLElement {
  return el(
    "div",
    { class: "wc-head" },
    el("div", { class: "wc-head-text" }, el("h2", {}, question), el("p", { class: "muted" }, about)),
    el("div", { class: "wc-head-controls" }, ...controls),
  );
}

/** What to do where nothing is compared: pick a model in the header, or start the server with one. */
export function noCompareText(info: CheckpointsInfo): string {
  return hasChoice(info)
    ? "No model is compared with the selected one. Pick one in the header's “compare with” selector."
    : "This server serves one model and nothing to compare it with. Start it with a series of checkpoints (--weights on a folder or a glob) or with --compare SPEC.";
}

/** A note naming the two models: A, the selected one, and B, the one compared with. */
export function modelsLine(info: CheckpointsInfo): HTMLElement {
  return el(
    "div",
    { class: "wc-models" },
    el("span", { class: "wc-model wc-model-a" }, "A ", el("strong", {}, info.model)),
    el("span", { class: "wc-model wc-model-b" }, "B ", el("strong", {}, info.compare ?? "none")),
  );
}
