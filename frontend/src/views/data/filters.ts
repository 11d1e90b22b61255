// The filter bar: true class, predicted class, right/wrong, how the prediction changed from B to
// A (where a model is compared with: What changed), sort, thumbnail size, and the count of
// matching images. Prediction controls wait for the evaluation and say so.
import type { EvaluationImages } from "../../api/types";
import { el } from "../../ui/dom";
import { createEvaluatePrompt } from "../../ui/evaluate-prompt";
import { FLIP_KINDS, FLIP_NAME, FLIP_TEXT, type FlipKind } from "../changes/flips";
import { NO_FILTERS, SORT_LABELS, isFiltered, type Correctness, type Filters, type SortKey } from "./selection";

export const THUMB_SIZES = [32, 48, 64] as const;

export interface FilterBarOptions {
  trueClasses: readonly string[];
  predictedClasses: readonly string[];
  labelled: boolean;
  thumbSize: number;
  onChange(patch: Partial<Filters>): void;
  onThumbSize(size: number): void;
  evaluate(): Promise<void>;
}

/** The "changed B→A" filter's state: offered where a model is compared with; its counts once
 * A and B are compared (choosing a set before computes the comparison). */
export interface FlipOptions {
  available: boolean;
  counts: Record<FlipKind, number> | null;
  /** The compared models' names, for the tooltip. */
  a: string;
  b: string | null;
  /** Why the last choice could not be applied (a failed comparison), or "". */
  note: string;
}

export interface FilterBar {
  readonly element: HTMLElement;
  set(filters: Filters): void;
  setFlips(options: FlipOptions): void;
  /** Class counts for the option labels: true counts once labels load, predicted once evaluated. */
  setCounts(trueCounts: number[] | null, evaluation: EvaluationImages | null): void;
  setMatches(matching: number, total: number): void;
}

const CORRECTNESS: Record<Correctness, string> = { all: "right and wrong", right: "right only", wrong: "wrong only" };

function options<T extends string>(select: HTMLSelectElement, entries: [T, string][]): void {
  select.replaceChildren(...entries.map(([value, text]) => el("option", { value }, text)));
}

function classOptions(names: readonly string[], counts: number[] | null): [string, string][] {
  return [
    ["", "all classes"],
    ...names.map((name, i): [string, string] => [
      String(i),
      counts ? `${name} (${(counts[i] ?? 0).toLocaleString()})` : name,
    ]),
  ];
}

function field(label: string, control: HTMLElement, id: string): HTMLElement {
  return el("label", { class: "dv-field", for: id }, el("span", { class: "dv-field-label" }, label), control);
}

export function createFilterBar(o: FilterBarOptions): FilterBar {
  const trueSelect = el("select", { id: "filter-true", title: "Show only images of this true class" });
  const predictedSelect = el("select", {
    id: "filter-predicted",
    title: "Show only images the model assigns to this class",
  });
  const correctSelect = el("select", { id: "filter-correct", title: "Right or wrong predictions" });
  const sortSelect = el("select", { id: "sort-by", title: "Order of the grid" });
  const flipSelect = el("select", {
    id: "filter-changed",
    title: "Images whose prediction changed from B (compared) to A (selected)",
  });
  const flipNote = el("span", { class: "dv-flip-note", role: "status" });
  const count = el("span", { id: "match-count", class: "dv-count", "aria-live": "polite" });
  const clear = el("button", { id: "filter-clear", class: "dv-clear", title: "Remove every filter" }, "Clear filters");
  const sizes = el("div", { class: "dv-sizes", role: "group", "aria-label": "thumbnail size" });
  let current: Filters = NO_FILTERS;
  let evaluated = false;

  options(trueSelect, classOptions(o.trueClasses, null));
  options(predictedSelect, classOptions(o.predictedClasses, null));
  options(correctSelect, Object.entries(CORRECTNESS) as [Correctness, string][]);
  options(sortSelect, Object.entries(SORT_LABELS) as [SortKey, string][]);
  trueSelect.disabled = true; // until the labels load
  for (const size of THUMB_SIZES) {
    const button = el(
      "button",
      { "data-size": String(size), title: `${size} px thumbnails`, "aria-pressed": String(size === o.thumbSize) },
      String(size),
    );
    button.onclick = () => {
      for (const other of sizes.children) other.setAttribute("aria-pressed", String(other === button));
      o.onThumbSize(size);
    };
    sizes.append(button);
  }
  sizes.id = "thumb-size";

  const classValue = (select: HTMLSelectElement): number | null => (select.value === "" ? null : Number(select.value));
  trueSelect.onchange = () => o.onChange({ trueClass: classValue(trueSelect) });
  predictedSelect.onchange = () => o.onChange({ predicted: classValue(predictedSelect) });
  correctSelect.onchange = () => o.onChange({ correct: correctSelect.value as Correctness });
  flipSelect.onchange = () => o.onChange({ flip: flipSelect.value === "" ? null : (flipSelect.value as FlipKind) });
  sortSelect.onchange = () => o.onChange({ sort: sortSelect.value as SortKey });
  clear.onclick = () => o.onChange({ trueClass: null, predicted: null, correct: "all", flip: null });

  const predictionControls = el(
    "div",
    { class: "dv-prediction-filters" },
    field("Predicted", predictedSelect, "filter-predicted"),
    field("Result", correctSelect, "filter-correct"),
  );
  const prompt = createEvaluatePrompt("Evaluate the dataset to filter by prediction", o.evaluate, "dv-inline");
  const flipField = el(
    "span",
    { class: "dv-flip-field" },
    field("Changed B→A", flipSelect, "filter-changed"),
    flipNote,
  );
  flipField.hidden = true;
  const element = el(
    "div",
    { class: "dv-filters", role: "toolbar", "aria-label": "filters" },
    field("True class", trueSelect, "filter-true"),
    predictionControls,
    prompt,
    flipField,
    field("Sort", sortSelect, "sort-by"),
    clear,
    el("span", { class: "dv-spacer" }),
    count,
    el("span", { class: "dv-field-label" }, "Size"),
    sizes,
  );

  const sync = (): void => {
    trueSelect.value = current.trueClass === null ? "" : String(current.trueClass);
    predictedSelect.value = current.predicted === null ? "" : String(current.predicted);
    correctSelect.value = current.correct;
    flipSelect.value = current.flip ?? "";
    sortSelect.value = evaluated ? current.sort : "index";
    for (const select of [trueSelect, predictedSelect, correctSelect, flipSelect])
      select.classList.toggle("active", select.value !== "" && select.value !== "all");
    clear.disabled = !isFiltered(evaluated ? current : { ...current, predicted: null, correct: "all" });
  };

  return {
    element,
    set(filters) {
      current = filters;
      sync();
    },
    setFlips(flips) {
      flipField.hidden = !flips.available;
      options(flipSelect, [
        ["", "all images"],
        ...FLIP_KINDS.map((kind): [string, string] => [
          kind,
          flips.counts ? `${FLIP_NAME[kind]} (${flips.counts[kind].toLocaleString()})` : FLIP_NAME[kind],
        ]),
      ]);
      const kinds = FLIP_KINDS.map((kind) => `${FLIP_NAME[kind]}: ${FLIP_TEXT[kind]}`).join("; ");
      const first = flips.counts ? "" : ". Choosing one compares A and B first";
      flipSelect.title = `Images whose prediction changed from B (${flips.b ?? "none"}) to A (${flips.a}): ${kinds}${first}.`;
      flipNote.textContent = flips.note;
      sync();
    },
    setCounts(trueCounts, evaluation) {
      evaluated = evaluation !== null;
      options(trueSelect, classOptions(o.trueClasses, trueCounts));
      trueSelect.disabled = !o.labelled || trueCounts === null;
      if (!o.labelled) trueSelect.title = "The dataset has no labels";
      let predictedCounts: number[] | null = null;
      if (evaluation) {
        predictedCounts = new Array<number>(o.predictedClasses.length).fill(0);
        for (const p of evaluation.predictions) predictedCounts[p] = (predictedCounts[p] ?? 0) + 1;
      }
      options(predictedSelect, classOptions(o.predictedClasses, predictedCounts));
      correctSelect.disabled = !o.labelled;
      predictionControls.hidden = !evaluated;
      prompt.hidden = evaluated;
      for (const option of sortSelect.options) option.disabled = !evaluated && option.value !== "index";
      sortSelect.title = evaluated ? "Order of the grid" : "Sorting by confidence or loss needs the evaluation";
      sync();
    },
    setMatches(matching, total) {
      count.textContent = `${matching.toLocaleString()} of ${total.toLocaleString()}`;
      count.title = `${matching.toLocaleString()} images match the filters, of ${total.toLocaleString()} in the dataset`;
    },
  };
}
