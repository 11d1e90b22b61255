// The layers × checkpoints navigator of the training animation: one cell per frame, rows the
// layers (input at the top), columns the checkpoints, each coloured by the kNN accuracy of its
// 2-D layout (viridis from chance to 100%, grey where unscored). The frame shown is outlined;
// a click on a cell moves there, the arrow keys move one cell along either axis.
import { viridis, viridisLegend } from "../../ui/colors";
import { el } from "../../ui/dom";
import type { FrameScores } from "./changes-api";
import { type Cell, cellOf, frameOf, type Grid } from "./grid";

export interface GridMap {
  readonly element: HTMLElement;
  show(grid: Grid, names: readonly string[], scores: FrameScores | null): void;
  /** The frame shown (outlined). */
  setFrame(frame: number): void;
  clear(): void;
}

const colour = (value: number | null | undefined, low: number): string => {
  if (value === null || value === undefined) return "#d8dce1";
  const [r, g, b] = viridis(Math.max(0, Math.min(1, (value - low) / Math.max(1e-9, 1 - low))));
  return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
};

export function createGridMap(onCell: (cell: Cell) => void): GridMap {
  const box = el("div", { class: "wc-matrix-box wc-grid-map", id: "grid-map" });
  box.hidden = true;
  let cells: HTMLElement[] = [];
  let current = 0;
  let shown: Grid | null = null;

  box.addEventListener("keydown", (event) => {
    if (!shown) return;
    const { layer, checkpoint } = cellOf(shown, current);
    const move: Record<string, Cell> = {
      ArrowRight: { layer, checkpoint: checkpoint + 1 },
      ArrowLeft: { layer, checkpoint: checkpoint - 1 },
      ArrowDown: { layer: layer + 1, checkpoint },
      ArrowUp: { layer: layer - 1, checkpoint },
    };
    const to = move[event.key];
    if (
      !to ||
      to.layer < 0 ||
      to.layer >= shown.layers.length ||
      to.checkpoint < 0 ||
      to.checkpoint >= shown.checkpoints
    )
      return;
    event.preventDefault();
    onCell(to);
  });

  return {
    element: box,
    show(grid, names, scores) {
      shown = grid;
      const low = scores?.chance ?? 0;
      const matrix = el("div", {
        class: "wc-matrix wc-grid-cells",
        role: "grid",
        tabindex: "0",
        "aria-label": "layers × checkpoints: arrow keys move",
        style: `grid-template-columns: max-content repeat(${grid.checkpoints}, var(--cell))`,
      });
      matrix.append(el("span", { class: "wc-matrix-corner muted" }, "layer ↓  checkpoint →"));
      names.forEach((name) => matrix.append(el("span", { class: "wc-matrix-col", title: name }, name)));
      cells = [];
      grid.layers.forEach((layer, l) => {
        matrix.append(el("span", { class: "wc-matrix-row", title: layer }, layer));
        for (let t = 0; t < grid.checkpoints; t++) {
          const frame = frameOf(grid, { layer: l, checkpoint: t });
          const knn = scores?.knn_layout[frame];
          const cell = el("span", {
            class: "wc-matrix-cell wc-grid-cell",
            role: "gridcell",
            "data-layer": layer,
            "data-checkpoint": String(t),
            style: `background:${colour(knn, low)}`,
            title: `${layer} at ${names[t] ?? t}: kNN ${knn === null || knn === undefined ? "–" : `${Math.round(knn * 100)}%`}`,
          });
          cell.onclick = () => onCell({ layer: l, checkpoint: t });
          cells.push(cell);
          matrix.append(cell);
        }
      });
      box.replaceChildren(
        matrix,
        el(
          "div",
          { class: "wc-cka-foot" },
          viridisLegend(low, 1, "kNN accuracy of the layout (chance to 1)"),
          el("span", { class: "muted" }, "click a cell or use the arrow keys"),
        ),
      );
      box.hidden = grid.layers.length < 2;
      this.setFrame(current < cells.length ? current : 0);
    },
    setFrame(frame) {
      cells[current]?.classList.remove("current");
      current = frame;
      cells[current]?.classList.add("current");
    },
    clear() {
      shown = null;
      cells = [];
      box.replaceChildren();
      box.hidden = true;
    },
  };
}
