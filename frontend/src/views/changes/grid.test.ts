import { describe, expect, it } from "vitest";
import type { FrameScores } from "./changes-api";
import { cellOf, framesAround, frameOf, nextFrame, rowScores, type Grid } from "./grid";

const grid: Grid = { layers: ["conv1", "conv2", "fc"], checkpoints: 4 };

describe("the layers × checkpoints grid", () => {
  it("numbers frames row by row, as the server does", () => {
    expect(frameOf(grid, { layer: 1, checkpoint: 2 })).toBe(6);
    expect(cellOf(grid, 6)).toEqual({ layer: 1, checkpoint: 2 });
    expect(cellOf(grid, 11)).toEqual({ layer: 2, checkpoint: 3 });
  });

  it("plays along a row over training and along a column through the layers, wrapping", () => {
    expect(nextFrame(grid, 6, "time")).toBe(7);
    expect(nextFrame(grid, 7, "time")).toBe(4);
    expect(nextFrame(grid, 6, "depth")).toBe(10);
    expect(nextFrame(grid, 10, "depth")).toBe(2);
    const one: Grid = { layers: ["fc"], checkpoints: 3 };
    expect([0, 1, 2].map((f) => nextFrame(one, f, "time"))).toEqual([1, 2, 0]);
    expect(nextFrame(one, 1, "depth")).toBe(1);
  });

  it("fetches the frame first, then ahead along the axis, then its neighbours", () => {
    expect(framesAround(grid, 5, "depth")).toEqual([5, 9, 1, 6, 4, 9, 1]);
    expect(framesAround(grid, 0, "time").slice(0, 3)).toEqual([0, 1, 2]);
    expect(framesAround(grid, 0, "time")).not.toContain(-1);
  });

  it("slices one layer's scores out of the grid's", () => {
    const scores: FrameScores = {
      nodes: grid.layers.flatMap((n) => [n, n, n, n]),
      knn_layout: Array.from({ length: 12 }, (_, i) => i / 12),
      knn_full: Array.from({ length: 12 }, () => null),
      silhouette: Array.from({ length: 12 }, (_, i) => i),
      neighbours: 10,
      layout_points: 100,
      full_points: 100,
      chance: 0.1,
    };
    const row = rowScores(scores, grid, 1);
    expect(row.nodes).toEqual(["conv2", "conv2", "conv2", "conv2"]);
    expect(row.silhouette).toEqual([4, 5, 6, 7]);
  });
});
