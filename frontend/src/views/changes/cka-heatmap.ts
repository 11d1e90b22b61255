// Linear CKA between every layer of A (rows) and every layer of B (columns) as a heatmap: viridis
// from 0 (unrelated representations) to 1 (the same up to rotation and scale), grey where it
// could not be computed; the pair under the pointer read out, cells of the same node outlined
// (for two checkpoints of one network, the diagonal: how much each layer changed). Up to 60
// layers a side as cells, more as one canvas (a pixel a cell).
import { viridis, viridisLegend } from "../../ui/colors";
import { el } from "../../ui/dom";
import type { CKA } from "./changes-api";

const MAX_CELLS = 60;

const rgb = (value: number | null): string => {
  if (value === null) return "#d8dce1";
  const [r, g, b] = viridis(value);
  return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
};

/** The pair a cell stands for, in words. */
export function ckaText(cka: Pick<CKA, "nodes_a" | "nodes_b" | "values">, i: number, j: number): string {
  const value = cka.values[i]?.[j] ?? null;
  return `A ${cka.nodes_a[i] ?? i} × B ${cka.nodes_b[j] ?? j}: CKA ${value === null ? "not computed" : value.toFixed(3)}`;
}

export function createCkaHeatmap(cka: CKA): HTMLElement {
  const rows = cka.nodes_a.length;
  const cols = cka.nodes_b.length;
  const readout = el("div", { class: "wc-readout", id: "cka-readout", "aria-live": "polite" }, "hover a cell");
  const foot = el(
    "div",
    { class: "wc-cka-foot" },
    viridisLegend(0, 1, "CKA"),
    el("span", { class: "muted" }, `${cka.images.toLocaleString()} images · rows: layers of A · columns: layers of B`),
  );

  if (rows > MAX_CELLS || cols > MAX_CELLS) {
    const canvas = el("canvas", {
      id: "cka-heatmap",
      class: "wc-matrix-canvas",
      width: String(cols),
      height: String(rows),
    });
    const g = canvas.getContext("2d");
    if (g)
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) {
          g.fillStyle = rgb(cka.values[i]?.[j] ?? null);
          g.fillRect(j, i, 1, 1);
        }
    canvas.addEventListener("pointermove", (event) => {
      const box = canvas.getBoundingClientRect();
      const j = Math.floor(((event.clientX - box.left) / box.width) * cols);
      const i = Math.floor(((event.clientY - box.top) / box.height) * rows);
      if (i >= 0 && i < rows && j >= 0 && j < cols) readout.textContent = ckaText(cka, i, j);
    });
    return el("div", { class: "wc-matrix-box" }, canvas, readout, foot);
  }

  const grid = el("div", {
    id: "cka-heatmap",
    class: "wc-matrix wc-cka",
    role: "grid",
    style: `grid-template-columns: max-content repeat(${cols}, var(--cell))`,
  });
  grid.append(el("span", { class: "wc-matrix-corner muted" }, "A ↓  B →"));
  for (const name of cka.nodes_b) grid.append(el("span", { class: "wc-matrix-col", title: name }, name));
  for (let i = 0; i < rows; i++) {
    const name = cka.nodes_a[i] ?? String(i);
    grid.append(el("span", { class: "wc-matrix-row", title: name }, name));
    for (let j = 0; j < cols; j++) {
      const value = cka.values[i]?.[j] ?? null;
      const cell = el("span", {
        class: `wc-matrix-cell wc-cka-cell${name === cka.nodes_b[j] ? " same" : ""}`,
        role: "gridcell",
        "data-a": name,
        "data-b": cka.nodes_b[j] ?? "",
        "data-value": value === null ? "" : String(value),
        style: `background:${rgb(value)}`,
        title: ckaText(cka, i, j),
      });
      cell.onmouseenter = () => {
        readout.textContent = ckaText(cka, i, j);
        grid.querySelector(".hovered")?.classList.remove("hovered");
        cell.classList.add("hovered");
      };
      grid.append(cell);
    }
  }
  return el("div", { class: "wc-matrix-box" }, grid, readout, foot);
}
