// The grid's filters and sort, and the pure function that turns them into the list of matching
// image indices (dataset order unless sorted). Prediction filters apply only once evaluated; the
// filter by how the prediction changed from B to A (What changed) only once they are compared.
import type { EvaluationImages } from "../../api/types";
import { flipMask, type FlipKind, type Flips } from "../changes/flips";

export type Correctness = "all" | "right" | "wrong";
export type SortKey = "index" | "confidence-asc" | "confidence-desc" | "loss-asc" | "loss-desc";

export interface Filters {
  trueClass: number | null;
  predicted: number | null;
  correct: Correctness;
  sort: SortKey;
  /** Only the images whose prediction changed this way from B to A (null: any image). */
  flip: FlipKind | null;
}

export const NO_FILTERS: Filters = { trueClass: null, predicted: null, correct: "all", sort: "index", flip: null };

export const SORT_LABELS: Record<SortKey, string> = {
  index: "index",
  "confidence-asc": "confidence ↑ (least sure)",
  "confidence-desc": "confidence ↓",
  "loss-asc": "loss ↑",
  "loss-desc": "loss ↓ (worst first)",
};

/** Whether the filters narrow the grid at all (the sort does not count). */
export function isFiltered(filters: Filters): boolean {
  return filters.trueClass !== null || filters.predicted !== null || filters.correct !== "all" || filters.flip !== null;
}

/**
 * Indices of the images that pass `filters`, in the order of `filters.sort` (ties by index).
 * `labels` is null until loaded (then the true-class and right/wrong filters match nothing);
 * `evaluation` is null before the dataset is evaluated (prediction filters and sorts are ignored);
 * `flips` is null before A and B are compared (the flip filter is ignored).
 */
export function selectImages(
  size: number,
  filters: Filters,
  labels: Int32Array | null,
  evaluation: EvaluationImages | null,
  flips: Flips | null = null,
): Int32Array {
  const predictions = evaluation?.predictions ?? null;
  const flipped = flips && filters.flip ? flipMask(flips, filters.flip, size) : null;
  const predicted = predictions ? filters.predicted : null;
  const correct = predictions ? filters.correct : "all";
  const wantRight = correct === "right";
  const out = new Int32Array(size);
  let n = 0;
  for (let i = 0; i < size; i++) {
    const label = labels ? (labels[i] ?? -1) : -1;
    if (filters.trueClass !== null && label !== filters.trueClass) continue;
    if (flipped && !flipped[i]) continue;
    if (predictions) {
      const p = predictions[i] ?? -1;
      if (predicted !== null && p !== predicted) continue;
      // Right or wrong needs a label and a prediction (-1: the image could not be read).
      if (correct !== "all" && (label < 0 || p < 0 || (p === label) !== wantRight)) continue;
    }
    out[n++] = i;
  }
  const result = out.slice(0, n);
  if (!evaluation || filters.sort === "index") return result;

  const source = filters.sort.startsWith("loss") ? evaluation.loss : evaluation.confidence;
  const key = new Float64Array(size);
  for (let i = 0; i < size; i++) key[i] = source[i] ?? Number.NaN;
  const direction = filters.sort.endsWith("desc") ? -1 : 1;
  // Images without a value (unlabelled: no loss) go last in either direction.
  return result.sort((a, b) => {
    const ka = key[a] ?? Number.NaN;
    const kb = key[b] ?? Number.NaN;
    const na = Number.isNaN(ka);
    const nb = Number.isNaN(kb);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return ka === kb ? a - b : direction * (ka - kb);
  });
}
