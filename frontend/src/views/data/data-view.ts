// The Data section: the whole dataset as a virtualised thumbnail grid under a filter bar, and the
// confusion matrix with per-class recall and precision beside it. Filters, grid, matrix and hover
// card share one Filters value; the current image is the app's (store.image). Where a model is
// compared with (What changed), the grid filters by how the prediction changed from B to A.
import { JobCancelled } from "../../state/jobs";
import { Observable } from "../../state/store";
import { el, showError } from "../../ui/dom";
import { FLIP_KINDS, type FlipKind } from "../changes/flips";
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
  const { api, dataset, model, store, changes } = context;
  const trueClasses = dataset.classes.length ? dataset.classes : model.classes;
  const nativeSize = Math.max(model.input_shape[1], model.input_shape[2]);
  const filters = new Observable<Filters>(NO_FILTERS);
  let labels: Int32Array | null = null;
  const cleanups: (() => void)[] = [];

  const update = (patch: Partial<Filters>): void => filters.set({ ...filters.get(), ...patch });
  let flipNote = "";
  /** Filter by a flip, comparing A and B first where they have not been (the job's progress in
   * the tray); `only`: show those images alone (a link from What changed). */
  const showFlip = async (kind: FlipKind, only: boolean): Promise<void> => {
    const patch: Partial<Filters> = only
      ? { flip: kind, trueClass: null, predicted: null, correct: "all" }
      : { flip: kind };
    if (changes.comparison.get()) return update(patch);
    flipNote = "Comparing A and B…";
    showFlips();
    try {
      await changes.compare();
      flipNote = "";
      update(patch);
    } catch (error) {
      flipNote = error instanceof JobCancelled ? "" : error instanceof Error ? error.message : String(error);
      bar.set(filters.get()); // back to the filter still applied
    }
    showFlips();
  };
  const onFilter = (patch: Partial<Filters>): void => {
    if (patch.flip) void showFlip(patch.flip, false);
    else update(patch);
  };

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
    onChange: onFilter,
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
    const items = selectImages(dataset.size, current, labels, evaluation?.images ?? null, changes.comparison.get());
    shown = items;
    grid.setItems(items, store.get().image);
    bar.set(current);
    bar.setMatches(items.length, dataset.size);
    matrix.setSelection(evaluation ? current : { trueClass: current.trueClass, predicted: null });
  };

  function showFlips(): void {
    const info = changes.checkpoints.get();
    const comparison = changes.comparison.get();
    const counts = comparison
      ? (Object.fromEntries(FLIP_KINDS.map((kind) => [kind, comparison[kind].length])) as Record<FlipKind, number>)
      : null;
    bar.setFlips({ available: info.compare !== null, counts, a: info.model, b: info.compare, note: flipNote });
  }

  const onEvaluation = (evaluation: EvaluationData | null): void => {
    bar.setCounts(labels && dataset.labelled ? dataset.class_counts : null, evaluation?.images ?? null);
    grid.setMarks({ labels, predictions: evaluation?.images.predictions ?? null });
    matrix.set(evaluation?.summary ?? null);
    refresh();
  };

  cleanups.push(
    filters.subscribe(refresh),
    changes.checkpoints.subscribe(showFlips),
    changes.comparison.subscribe((comparison) => {
      showFlips();
      if (!comparison && filters.get().flip !== null)
        update({ flip: null }); // B changed
      else refresh();
    }),
    changes.gridFlip.subscribe((request) => {
      if (request) void showFlip(request.kind, true);
    }),
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
  showFlips();
  onEvaluation(context.evaluation.get());
  const asked = changes.gridFlip.get(); // a link from What changed that opened this view
  if (asked) void showFlip(asked.kind, true);

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
