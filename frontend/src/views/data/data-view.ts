// The Data section: the whole dataset as a virtualised thumbnail grid under a filter bar, and the
// confusion matrix with per-class recall and precision beside it. Filters, grid, matrix and hover
// card share one Filters value; the current image is the app's (store.image).
import { Observable } from "../../state/store";
import { el, showError } from "../../ui/dom";
import type { AppContext, EvaluationData, View } from "../view";
import { createConfusionMatrix, matrixLayout } from "./confusion-matrix";
import "./data.css";
import { THUMB_SIZES, createFilterBar } from "./filters";
import { createHoverCard } from "../../ui/hover-card";
import { createImageGrid } from "./image-grid";
import { loadLabels } from "../../ui/labels";
import { NO_FILTERS, selectImages, type Filters } from "./selection";

const DEFAULT_THUMB = THUMB_SIZES[1];
const MAX_SPRITE = 128; // the sprite route's largest thumbnail

/** The Data grid, which also tells which images its filters currently select. */
export interface DataView extends View {
  /** Dataset indices the grid shows, in its order (null until the labels are loaded). */
  selection(): Int32Array | null;
}

export function createDataView(context: AppContext): DataView {
  const { api, dataset, model, store } = context;
  const trueClasses = dataset.classes.length ? dataset.classes : model.classes;
  const nativeSize = Math.max(model.input_shape[1], model.input_shape[2]);
  const filters = new Observable<Filters>(NO_FILTERS);
  let labels: Int32Array | null = null;
  const cleanups: (() => void)[] = [];

  const update = (patch: Partial<Filters>): void => filters.set({ ...filters.get(), ...patch });

  const grid = createImageGrid({
    spriteUrl: api.spriteUrl,
    // Never ask for more pixels than the images have: small images are enlarged crisply in CSS.
    spriteSize: (display) =>
      Math.max(8, Math.min(MAX_SPRITE, nativeSize, Math.round(display * window.devicePixelRatio))),
    onSelect: (index) => store.update({ image: index }),
    onHover: (index, cell) => card.hover(index, cell),
  });
  const card = createHoverCard({
    api,
    trueClasses,
    nativeSize,
    labels: () => labels,
    evaluation: () => context.evaluation.get(),
  });
  const bar = createFilterBar({
    trueClasses,
    predictedClasses: model.classes,
    labelled: dataset.labelled,
    thumbSize: DEFAULT_THUMB,
    onChange: update,
    onThumbSize: (size) => grid.setThumbSize(size),
    evaluate: () => context.evaluate(),
  });
  const matrix = createConfusionMatrix({
    onPick: ({ trueClass, predicted }) => update({ trueClass, predicted, correct: "all" }),
    evaluate: () => context.evaluate(),
  });
  const status = el("div", { class: "dv-status" });
  const element = el(
    "div",
    { class: "dv-view" },
    bar.element,
    el("div", { class: "dv-grid-box" }, grid.element, status),
    el("aside", { class: "dv-side" }, matrix.element),
    card.element,
  );
  // The side panel's width is known from the classes alone: it does not change on evaluation.
  element.style.setProperty("--side", `${matrixLayout(model.classes).width + 34}px`);
  grid.setThumbSize(DEFAULT_THUMB);

  let shown: Int32Array | null = null;
  /** Recompute the matching images (filters, labels or evaluation changed). */
  const refresh = (): void => {
    const evaluation = context.evaluation.get();
    const current = filters.get();
    const items = selectImages(dataset.size, current, labels, evaluation?.images ?? null);
    shown = items;
    grid.setItems(items, store.get().image);
    bar.set(current);
    bar.setMatches(items.length, dataset.size);
    matrix.setSelection(evaluation ? current : { trueClass: current.trueClass, predicted: null });
  };

  const onEvaluation = (evaluation: EvaluationData | null): void => {
    bar.setCounts(labels && dataset.labelled ? dataset.class_counts : null, evaluation?.images ?? null);
    grid.setMarks({ labels, predictions: evaluation?.images.predictions ?? null });
    matrix.set(evaluation?.summary ?? null);
    refresh();
  };

  cleanups.push(
    filters.subscribe(refresh),
    context.evaluation.subscribe(onEvaluation),
    store.subscribe((state, previous) => {
      if (state.image === previous.image) return;
      grid.setCurrent(state.image);
      grid.reveal(state.image);
    }),
    () => card.destroy(),
    () => grid.destroy(),
  );
  grid.element.addEventListener("scroll", () => card.hover(null, null), { passive: true });
  grid.setCurrent(store.get().image);
  onEvaluation(context.evaluation.get());

  if (dataset.labelled) {
    status.textContent = "Loading labels…";
    loadLabels(dataset.size).then(
      (loaded) => {
        labels = loaded;
        status.remove();
        onEvaluation(context.evaluation.get());
      },
      (error: unknown) => showError(status, error),
    );
  } else {
    status.remove();
  }

  return {
    element,
    selection: () => shown,
    draw: () => grid.layout(),
    destroy: () => {
      for (const cleanup of cleanups) cleanup();
    },
  };
}
