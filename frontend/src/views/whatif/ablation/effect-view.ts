// The dataset re-evaluation with an ablation: accuracy per class before and after (a pair of
// bars per class, the change in points), and the images whose prediction changed, as
// thumbnails; a click makes one the current image.
import { el, formatPercent } from "../../../ui/dom";
import type { AppContext } from "../../view";
import type { AblationEffect } from "../../../api/ablation";
import { legend } from "./prediction-bars";

const THUMBS = 240;

export function effectView(context: AppContext, effect: AblationEffect): HTMLElement {
  const name = (c: number): string => effect.classes[c] ?? `class ${c}`;
  const pct = (v: number | null): string => formatPercent(v);
  const overall = el(
    "div",
    { class: "ab-headline", id: "ablation-accuracy" },
    "Accuracy ",
    el("strong", {}, pct(effect.accuracy_before)),
    el("span", { class: "ab-arrow" }, " → "),
    el("strong", {}, pct(effect.accuracy_after)),
    el(
      "span",
      { class: "muted" },
      ` on ${effect.images.toLocaleString()} images · ${effect.changed.indices.length.toLocaleString()} predictions changed`,
    ),
  );
  const rows = effect.classes.map((_, c) => {
    const b = effect.recall_before[c] ?? null;
    const a = effect.recall_after[c] ?? null;
    const delta = b === null || a === null ? null : (a - b) * 100;
    const sign = delta === null ? "" : delta > 0.05 ? "up" : delta < -0.05 ? "down" : "";
    return el(
      "div",
      { class: "ab-pred-row", "data-class": String(c) },
      el("span", { class: "ab-pred-name", title: `${(effect.support[c] ?? 0).toLocaleString()} images` }, name(c)),
      el(
        "span",
        { class: "ab-pair" },
        el("span", {
          class: "ab-bar before",
          style: `width:${((b ?? 0) * 100).toFixed(1)}%`,
          title: `before: ${pct(b)}`,
        }),
        el("span", {
          class: "ab-bar after",
          style: `width:${((a ?? 0) * 100).toFixed(1)}%`,
          title: `after: ${pct(a)}`,
        }),
      ),
      el("span", { class: "ab-num" }, `${pct(b)} → ${pct(a)}`),
      el(
        "span",
        { class: `ab-delta ${sign}` },
        delta === null ? "–" : `${delta >= 0 ? "+" : "−"}${Math.abs(delta).toFixed(1)}`,
      ),
    );
  });
  const { indices, labels, before, after } = effect.changed;
  const thumbs = indices.slice(0, THUMBS).map((index, i) => {
    const was = before[i] ?? 0;
    const now = after[i] ?? 0;
    const truth = labels[i] ?? -1;
    const verdict = now === truth ? "fixed" : was === truth ? "broken" : "other";
    const img = el("img", { src: context.api.imageUrl({ index }, 2), alt: `image ${index}`, loading: "lazy" });
    const button = el(
      "button",
      {
        class: `ab-thumb ${verdict}`,
        "data-index": String(index),
        title: `#${index}: ${name(was)} → ${name(now)} (true: ${name(truth)}). Click to make it the current image.`,
      },
      img,
      el("span", {}, `${name(was)} → ${name(now)}`),
    );
    button.onclick = () => context.store.update({ image: index, tray: null });
    return button;
  });
  const broken = indices.filter((_, i) => before[i] === labels[i]).length;
  const fixed = indices.filter((_, i) => after[i] === labels[i]).length;
  const changedHead = el(
    "h4",
    { class: "ab-subhead" },
    `Changed predictions (${indices.length.toLocaleString()}: ${broken.toLocaleString()} were right, ${fixed.toLocaleString()} became right)`,
    indices.length > THUMBS ? el("span", { class: "muted" }, ` · first ${THUMBS} shown`) : null,
  );
  return el(
    "div",
    { class: "ab-effect", id: "ablation-effect" },
    overall,
    el("h4", { class: "ab-subhead" }, "Accuracy per class"),
    legend(),
    el("div", { class: "ab-classes" }, ...rows),
    changedHead,
    el("div", { class: "ab-thumbs", id: "ablation-changed" }, ...thumbs),
  );
}
