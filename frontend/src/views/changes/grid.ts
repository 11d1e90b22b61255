// The frames of a projection over checkpoints as a grid: rows are layers, columns checkpoints,
// frame `layer * checkpoints + checkpoint` (the server's order). One layer is a grid of one row.
// The loop plays along a row (over training) or along a column (through the layers).
import type { FrameScores } from "./changes-api";

export interface Grid {
  /** The rows' layers, in depth order. */
  layers: readonly string[];
  checkpoints: number;
}

export interface Cell {
  layer: number;
  checkpoint: number;
}

/** Over training (along a row) or through the layers (along a column). */
export type Axis = "time" | "depth";

export const frameCount = (grid: Grid): number => grid.layers.length * grid.checkpoints;

export const frameOf = (grid: Grid, cell: Cell): number => cell.layer * grid.checkpoints + cell.checkpoint;

export const cellOf = (grid: Grid, frame: number): Cell => ({
  layer: Math.floor(frame / grid.checkpoints),
  checkpoint: frame % grid.checkpoints,
});

/** The frame after `frame` along `axis`, wrapping to the row's or column's start. */
export function nextFrame(grid: Grid, frame: number, axis: Axis): number {
  const { layer, checkpoint } = cellOf(grid, frame);
  return axis === "time"
    ? frameOf(grid, { layer, checkpoint: (checkpoint + 1) % grid.checkpoints })
    : frameOf(grid, { layer: (layer + 1) % grid.layers.length, checkpoint });
}

/** The frames near `frame` to fetch first: itself, then along the axis played (ahead first),
 * then its other neighbours. */
export function framesAround(grid: Grid, frame: number, axis: Axis): number[] {
  const { layer, checkpoint } = cellOf(grid, frame);
  const at = (l: number, t: number): number[] =>
    l >= 0 && l < grid.layers.length && t >= 0 && t < grid.checkpoints
      ? [frameOf(grid, { layer: l, checkpoint: t })]
      : [];
  const ahead = nextFrame(grid, frame, axis);
  return [
    frame,
    ahead,
    nextFrame(grid, ahead, axis),
    ...at(layer, checkpoint + 1),
    ...at(layer, checkpoint - 1),
    ...at(layer + 1, checkpoint),
    ...at(layer - 1, checkpoint),
  ];
}

/** One row's scores (a layer over the checkpoints), as the player bar shows them. */
export function rowScores(scores: FrameScores, grid: Grid, layer: number): FrameScores {
  const start = layer * grid.checkpoints;
  const slice = <T>(values: readonly T[]): T[] => values.slice(start, start + grid.checkpoints);
  return {
    ...scores,
    nodes: slice(scores.nodes),
    knn_layout: slice(scores.knn_layout),
    knn_full: slice(scores.knn_full),
    silhouette: slice(scores.silhouette),
  };
}
