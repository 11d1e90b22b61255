// The confusion matrix of A minus B (rows: true class, columns: predicted) as a diverging heatmap:
// orange where A puts more images in a cell, purple where B does, white where they agree. Each
// cell names its pair and both counts' difference; up to 40 classes as cells, more as one canvas
// (a pixel a cell) with the cell under the pointer read out.
import { el } from "../../ui/dom";
import { diverging, divergingPosition, largestMagnitude } from "./diverging";

const MAX_CELLS = 40;

/** What a cell means, in words. */
export function cellText(classes: readonly string[], t: number, p: number, value: number): string {
  const name = (i: number): string => classes[i] ?? String(i);
  const signed = value > 0 ? `+${value}` : String(value);
  const pair = t === p ? `true ${name(t)} predicted right` : `true ${name(t)} → predicted ${name(p)}`;
  const who =
    value === 0 ? "as many under A as under B" : value > 0 ? `${value} more under A` : `${-value} more under B`;
  return `${pair}: A − B = ${signed} (${who})`;
}

function legend(limit: number): HTMLElement {
  const stops = Array.from({ length: 11 }, (_, i) => `${diverging(i / 5 - 1)} ${i * 10}%`).join(",");
  return el(
    "div",
    { class: "wc-diverging-legend" },
    el("span", {}, `B more (−${limit.toLocaleString()})`),
    el("span", { class: "wc-diverging-bar", style: `background:linear-gradient(to right,${stops})` }),
    el("span", {}, `A more (+${limit.toLocaleString()})`),
  );
}

export function createConfusionDiff(
  classes: readonly string[],
  confusion: readonly (readonly number[])[],
): HTMLElement {
  const k = classes.length;
  const limit = largestMagnitude(confusion);
  const color = (v: number): string => diverging(divergingPosition(v, limit));
  const readout = el(
    "div",
    { class: "wc-readout", id: "confusion-diff-readout", "aria-live": "polite" },
    "hover a cell",
  );
  const value = (t: number, p: number): number => confusion[t]?.[p] ?? 0;

  if (k > MAX_CELLS) {
    const canvas = el("canvas", {
      id: "confusion-diff",
      class: "wc-matrix-canvas",
      width: String(k),
      height: String(k),
    });
    const g = canvas.getContext("2d");
    if (g)
      for (let t = 0; t < k; t++)
        for (let p = 0; p < k; p++) {
          g.fillStyle = color(value(t, p));
          g.fillRect(p, t, 1, 1);
        }
    canvas.addEventListener("pointermove", (event) => {
      const box = canvas.getBoundingClientRect();
      const p = Math.floor(((event.clientX - box.left) / box.width) * k);
      const t = Math.floor(((event.clientY - box.top) / box.height) * k);
      if (t >= 0 && t < k && p >= 0 && p < k) readout.textContent = cellText(classes, t, p, value(t, p));
    });
    return el(
      "div",
      { class: "wc-matrix-box" },
      el("div", { class: "wc-axis-note muted" }, "rows: true class · columns: predicted"),
      canvas,
      readout,
      legend(limit),
    );
  }

  const grid = el("div", {
    id: "confusion-diff",
    class: "wc-matrix",
    role: "grid",
    style: `grid-template-columns: max-content repeat(${k}, var(--cell))`,
  });
  grid.append(el("span", { class: "wc-matrix-corner muted" }, "true ↓ predicted →"));
  classes.forEach((name) => grid.append(el("span", { class: "wc-matrix-col", title: name }, name)));
  for (let t = 0; t < k; t++) {
    grid.append(el("span", { class: "wc-matrix-row", title: classes[t] ?? "" }, classes[t] ?? String(t)));
    for (let p = 0; p < k; p++) {
      const v = value(t, p);
      const cell = el(
        "span",
        {
          class: `wc-matrix-cell${t === p ? " diagonal" : ""}${Math.abs(divergingPosition(v, limit)) > 0.7 ? " dark" : ""}`,
          role: "gridcell",
          "data-true": String(t),
          "data-predicted": String(p),
          "data-value": String(v),
          style: `background:${color(v)}`,
          title: cellText(classes, t, p, v),
        },
        v === 0 ? "" : v > 0 ? `+${v}` : String(v),
      );
      cell.onmouseenter = () => (readout.textContent = cellText(classes, t, p, v));
      grid.append(cell);
    }
  }
  return el("div", { class: "wc-matrix-box" }, grid, readout, legend(limit));
}
