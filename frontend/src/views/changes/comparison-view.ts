// The "Comparison" panel: A (the selected model) against B (the one compared with) on the whole
// dataset: both accuracies, the confusion matrix of A minus B, each class's accuracy change, and
// the images whose prediction flipped, each set a link to the data grid filtered to it.
import { JobCancelled } from "../../state/jobs";
import { el, formatPercent, showError } from "../../ui/dom";
import type { AppContext, View } from "../view";
import type { Comparison } from "./changes-api";
import { createClassChange } from "./class-change";
import { createConfusionDiff } from "./confusion-diff";
import { FLIP_KINDS, FLIP_NAME, FLIP_TEXT } from "./flips";
import { modelsLine, noCompareText, panelHead } from "./panel-parts";

export function createComparisonView(context: AppContext): View {
  const { changes, store } = context;
  const run = el(
    "button",
    { id: "comparison-run", class: "wc-run", title: "Evaluate A and B on the dataset (cached) and compare them" },
    "Compare",
  );
  const status = el("div", { class: "wc-status", id: "comparison-status", "aria-live": "polite" });
  const models = el("div", {});
  const body = el("div", { class: "wc-comparison", id: "comparison" });
  const element = el(
    "div",
    { class: "wc-view", id: "comparison-panel" },
    panelHead(
      "What changed in the data?",
      "Which images and classes A and B get right, on every image of the dataset.",
      run,
      status,
    ),
    models,
    body,
  );

  const flipLinks = (found: Comparison): HTMLElement =>
    el(
      "div",
      { class: "wc-flips", id: "flip-links" },
      ...FLIP_KINDS.map((kind) => {
        const count = found[kind].length;
        const link = el(
          "button",
          {
            class: `wc-flip wc-flip-${kind}`,
            "data-flip": kind,
            "data-count": String(count),
            title: `Open the data grid on these ${count.toLocaleString()} images`,
          },
          el("strong", {}, count.toLocaleString()),
          ` ${FLIP_NAME[kind]}`,
          el("span", { class: "muted" }, ` · ${FLIP_TEXT[kind]}`),
        );
        link.disabled = count === 0;
        link.onclick = () => {
          changes.gridFlip.set({ kind });
          store.update({ section: "data", panel: null });
        };
        return link;
      }),
    );

  const render = (found: Comparison | null): void => {
    if (!found) {
      body.replaceChildren();
      return;
    }
    const delta = found.accuracy_a !== null && found.accuracy_b !== null ? found.accuracy_a - found.accuracy_b : null;
    body.replaceChildren(
      el(
        "div",
        { class: "wc-accuracies", id: "comparison-summary" },
        el(
          "span",
          { class: "wc-accuracy wc-accuracy-a", id: "accuracy-a" },
          "A ",
          el("strong", {}, formatPercent(found.accuracy_a, 2)),
        ),
        el(
          "span",
          { class: "wc-accuracy wc-accuracy-b", id: "accuracy-b" },
          "B ",
          el("strong", {}, formatPercent(found.accuracy_b, 2)),
        ),
        el(
          "span",
          { class: `wc-accuracy-delta ${delta !== null && delta < 0 ? "down" : "up"}` },
          delta === null ? "" : `A − B: ${delta > 0 ? "+" : ""}${(delta * 100).toFixed(2)} points`,
        ),
      ),
      flipLinks(found),
      el(
        "div",
        { class: "wc-comparison-grid" },
        el(
          "section",
          { class: "wc-card" },
          el("h3", {}, "Confusion matrix, A minus B"),
          el(
            "p",
            { class: "muted" },
            "Images per cell under A minus under B: on the diagonal, + means A gets more of the class right.",
          ),
          createConfusionDiff(found.classes, found.confusion),
        ),
        el(
          "section",
          { class: "wc-card" },
          el("h3", {}, "Accuracy per class, B → A"),
          el("p", { class: "muted" }, "Each class's accuracy under A and B; bars show A − B in points."),
          createClassChange(found.classes, found.recall_a, found.recall_b),
        ),
      ),
    );
  };

  const sync = (): void => {
    const info = changes.checkpoints.get();
    models.replaceChildren(modelsLine(info));
    run.disabled = info.compare === null;
    if (info.compare === null) status.textContent = noCompareText(info);
    else if (!changes.comparison.get()) status.textContent = "Not compared yet.";
  };

  run.onclick = async () => {
    run.disabled = true;
    status.textContent = "Comparing…";
    try {
      const found = await changes.compare();
      status.textContent = `${found.a} (A) against ${found.b} (B)`;
    } catch (error) {
      if (error instanceof JobCancelled) status.textContent = "Cancelled.";
      else showError(status, error);
    } finally {
      sync();
    }
  };

  const unsubscribe = [
    changes.checkpoints.subscribe(sync),
    changes.comparison.subscribe((found) => {
      render(found);
      if (found) status.textContent = `${found.a} (A) against ${found.b} (B)`;
      sync();
    }),
  ];
  sync();
  render(changes.comparison.get());
  return {
    element,
    draw: () => undefined,
    destroy: () => unsubscribe.forEach((stop) => stop()),
  };
}
