// The current image's class probabilities without and with the ablation, side by side: the
// classes that matter most (top either way), a pair of bars each and the change.
import { el, formatPercent } from "../../../ui/dom";
import type { AblatedPrediction } from "../../../api/ablation";

const ROWS = 6;

export function predictionBars(prediction: AblatedPrediction, classes: readonly string[]): HTMLElement {
  const { before, after } = prediction;
  const argmax = (p: number[]): number => p.reduce((best, v, i) => (v > (p[best] ?? -1) ? i : best), 0);
  const top = Array.from(before.keys())
    .sort((a, b) => Math.max(before[b] ?? 0, after[b] ?? 0) - Math.max(before[a] ?? 0, after[a] ?? 0))
    .slice(0, ROWS);
  const name = (c: number): string => classes[c] ?? `class ${c}`;
  const was = argmax(before);
  const now = argmax(after);
  const headline = el(
    "div",
    { class: "ab-headline", id: "ablation-verdict" },
    el("span", {}, "Model says "),
    el("strong", {}, name(was)),
    " ",
    el("span", { class: "muted" }, formatPercent(before[was])),
    el("span", { class: "ab-arrow" }, " → "),
    el("strong", { class: now === was ? "" : "ab-flipped" }, name(now)),
    " ",
    el("span", { class: "muted" }, formatPercent(after[now])),
  );
  const rows = top.map((c) => {
    const b = before[c] ?? 0;
    const a = after[c] ?? 0;
    const delta = (a - b) * 100;
    const sign = delta > 0.05 ? "up" : delta < -0.05 ? "down" : "";
    return el(
      "div",
      { class: `ab-pred-row${c === prediction.label ? " truth" : ""}`, "data-class": String(c) },
      el("span", { class: "ab-pred-name", title: c === prediction.label ? "the true class" : "" }, name(c)),
      el(
        "span",
        { class: "ab-pair" },
        el("span", {
          class: "ab-bar before",
          style: `width:${(b * 100).toFixed(1)}%`,
          title: `without: ${formatPercent(b)}`,
        }),
        el("span", {
          class: "ab-bar after",
          style: `width:${(a * 100).toFixed(1)}%`,
          title: `with ablation: ${formatPercent(a)}`,
        }),
      ),
      el("span", { class: "ab-num" }, `${formatPercent(b)} → ${formatPercent(a)}`),
      el("span", { class: `ab-delta ${sign}` }, `${delta >= 0 ? "+" : "−"}${Math.abs(delta).toFixed(1)}`),
    );
  });
  return el("div", { class: "ab-preds" }, headline, legend(), ...rows);
}

export function legend(): HTMLElement {
  return el(
    "div",
    { class: "ab-legend muted" },
    el("span", { class: "ab-key before" }),
    "without",
    el("span", { class: "ab-key after" }),
    "with ablation",
  );
}
