// Activations that are not maps: a vector (D,) as bars (small D, with class names for the
// logits) or as a heat grid on the node's colour scale (large D), and a scalar as its value.
import type { Activations, ChannelStats } from "../../api/types";
import { formatNumber, viridisLegend } from "../../ui/colors";
import { el, formatPercent } from "../../ui/dom";
import { cssColor, paint, type Scale } from "../../ui/color-scale";
import type { ChannelView } from "../../ui/feature-maps";

const BAR_LIMIT = 64;
const GRID_COLUMNS = 32;
const CELL = 12;
const TOP = 8;

export function createScalarView(acts: Activations): ChannelView {
  const value = acts.values[0] ?? NaN;
  const element = el(
    "div",
    { class: "fm-scalar", id: "feature-scalar" },
    el("span", { class: "muted" }, "value "),
    el("strong", {}, formatNumber(value)),
  );
  return { element, setStats: () => undefined, focus: () => undefined, destroy: () => undefined };
}

/** `labels` names the entries (class names for the model output), or null for indices. */
export function createVectorView(
  acts: Activations,
  labels: readonly string[] | null,
  initialStats: ChannelStats | null,
): ChannelView {
  const values = acts.values;
  const count = values.length;
  const scale: Scale = { min: acts.min, max: acts.max };
  const element = el("div", { class: "fm fm-vector", id: "feature-vector" });
  let stats = initialStats && initialStats.mean.length === count ? initialStats : null;
  const name = (i: number): string => labels?.[i] ?? String(i);
  const info = el(
    "div",
    { class: "fm-vector-info muted" },
    count > BAR_LIMIT ? "Hover or click a cell for its value." : "",
  );

  const statLine = (i: number): string =>
    stats
      ? ` · dataset mean ${formatNumber(stats.mean[i] ?? 0)}, dead ${formatPercent(stats.dead_fraction[i] ?? 0)}`
      : "";

  const draw = (): void => {
    const legend = viridisLegend(acts.min, acts.max, "activation");
    if (count <= BAR_LIMIT) {
      element.replaceChildren(el("div", { class: "fm-controls" }, legend), bars());
      return;
    }
    element.replaceChildren(el("div", { class: "fm-controls" }, legend), grid(), info, top());
  };

  const bars = (): HTMLElement => {
    const reach = Math.max(Math.abs(acts.min), Math.abs(acts.max)) || 1;
    const negative = acts.min < 0;
    const list = el("div", { class: "vec-bars" });
    for (let i = 0; i < count; i++) {
      const v = values[i] ?? 0;
      const fraction = Math.abs(v) / reach;
      const left = negative ? (v < 0 ? 50 - fraction * 50 : 50) : 0;
      const span = negative ? fraction * 50 : fraction * 100;
      const bar = el("span", {
        class: "bar",
        style: `left:${left}%;width:${Math.max(0.5, span)}%;background:${cssColor(scale, v)}`,
      });
      list.append(
        el(
          "div",
          { class: "vec-row", "data-index": String(i), title: `${name(i)}: ${v}${statLine(i)}` },
          el("span", { class: "name" }, name(i)),
          el("span", { class: negative ? "track signed" : "track" }, bar),
          el("span", { class: "value" }, formatNumber(v)),
        ),
      );
    }
    return list;
  };

  const grid = (): HTMLElement => {
    const columns = Math.min(GRID_COLUMNS, count);
    const rows = Math.ceil(count / columns);
    const padded = new Float32Array(columns * rows).fill(NaN);
    padded.set(values);
    const canvas = el("canvas", { class: "vec-grid", "aria-label": `${count} values` });
    paint(canvas, padded, 0, columns, rows, scale);
    canvas.style.width = `${columns * CELL}px`;
    canvas.style.height = `${rows * CELL}px`;
    const at = (event: MouseEvent): number => {
      const rect = canvas.getBoundingClientRect();
      const i =
        Math.floor(((event.clientY - rect.top) / rect.height) * rows) * columns +
        Math.floor(((event.clientX - rect.left) / rect.width) * columns);
      return i >= 0 && i < count ? i : -1;
    };
    const show = (event: MouseEvent): void => {
      const i = at(event);
      if (i >= 0) info.textContent = `${name(i)}: ${formatNumber(values[i] ?? 0)}${statLine(i)}`;
    };
    canvas.onmousemove = show;
    canvas.onclick = show;
    return canvas;
  };

  const top = (): HTMLElement => {
    const indices = Array.from({ length: count }, (_, i) => i)
      .sort((a, b) => (values[b] ?? 0) - (values[a] ?? 0))
      .slice(0, TOP);
    return el(
      "div",
      { class: "vec-top" },
      el("div", { class: "muted" }, `Largest ${TOP}`),
      el(
        "ol",
        {},
        ...indices.map((i) =>
          el("li", {}, el("span", {}, name(i)), el("span", { class: "value" }, formatNumber(values[i] ?? 0))),
        ),
      ),
    );
  };

  draw();
  return {
    element,
    setStats(next) {
      stats = next && next.mean.length === count ? next : null;
      draw();
    },
    focus(i) {
      if (i >= 0 && i < count) info.textContent = `${name(i)}: ${formatNumber(values[i] ?? 0)}${statLine(i)}`;
    },
    destroy: () => undefined,
  };
}
