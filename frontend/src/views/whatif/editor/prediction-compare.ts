// What the model says about the edited image beside the original: the edited top 5 with bars,
// and every class's probability before and after with the change (largest changes first when
// there are many classes).
import { classColor } from "../../../ui/colors";
import { el, formatPercent } from "../../../ui/dom";
import type { Preview } from "./editor-api";

const MAX_ROWS = 12;

function signed(delta: number): string {
  const points = delta * 100;
  return `${points >= 0 ? "+" : "−"}${Math.abs(points).toFixed(1)}`;
}

export function renderComparison(preview: Preview, classes: readonly string[]): HTMLElement {
  const top = el(
    "ol",
    { class: "top5 we-top5", id: "edited-top5" },
    ...preview.top.map((score) =>
      el(
        "li",
        { class: score.index === preview.label ? "true-class" : "", "data-class": String(score.index) },
        el("span", { class: "name" }, score.name),
        el("span", {
          class: "bar",
          style: `width:${Math.max(1, score.probability * 100)}%;background:${classColor(score.index)}`,
        }),
        el("span", { class: "value" }, formatPercent(score.probability)),
      ),
    ),
  );
  const order = preview.probabilities.map((_, i) => i);
  if (order.length > MAX_ROWS) {
    order.sort(
      (a, b) =>
        Math.abs((preview.probabilities[b] ?? 0) - (preview.original[b] ?? 0)) -
        Math.abs((preview.probabilities[a] ?? 0) - (preview.original[a] ?? 0)),
    );
  }
  const rows = order.slice(0, MAX_ROWS).map((c) => {
    const before = preview.original[c] ?? 0;
    const after = preview.probabilities[c] ?? 0;
    const delta = after - before;
    const width = Math.min(50, Math.abs(delta) * 50);
    const bar = el("span", {
      class: `we-delta-bar ${delta >= 0 ? "up" : "down"}`,
      style: delta >= 0 ? `left:50%;width:${width}%` : `left:${50 - width}%;width:${width}%`,
    });
    return el(
      "tr",
      { "data-class": String(c), class: c === preview.label ? "true-class" : "" },
      el("td", { class: "name" }, classes[c] ?? String(c)),
      el("td", { class: "num" }, formatPercent(before)),
      el("td", { class: "num" }, formatPercent(after)),
      el("td", { class: "we-delta" }, el("span", { class: "we-delta-track" }, bar)),
      el("td", { class: `num ${Math.abs(delta) < 0.0005 ? "muted" : delta > 0 ? "up" : "down"}` }, signed(delta)),
    );
  });
  const title = order.length > MAX_ROWS ? `The ${MAX_ROWS} largest changes` : "Every class";
  return el(
    "div",
    { class: "we-compare" },
    el("h3", {}, "Edited: top 5"),
    top,
    el("h3", {}, `${title}: original → edited (percentage points)`),
    el(
      "table",
      { class: "we-classes", id: "class-changes" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", {}, "class"),
          el("th", {}, "original"),
          el("th", {}, "edited"),
          el("th", {}, ""),
          el("th", {}, "Δ"),
        ),
      ),
      el("tbody", {}, ...rows),
    ),
  );
}
