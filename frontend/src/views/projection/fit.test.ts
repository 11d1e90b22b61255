import { describe, expect, it } from "vitest";
import { UNPLACED } from "./coords";
import { canvasEdges, fitExtent, fitted, IDENTITY, layerExtent, squash, unfit, unsquash } from "./fit";

describe("layerExtent", () => {
  it("leaves unplaced points out of a layer's percentile box", () => {
    const placed = Float32Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 1000) / 500 - 1);
    const withGaps = new Float32Array(placed.length + 600);
    withGaps.set(placed);
    withGaps.fill(UNPLACED, placed.length);
    const box = layerExtent(placed);
    expect(Array.from(layerExtent(withGaps))).toEqual(Array.from(box));
    expect(box[2]).toBeGreaterThan(0.5); // a real box, not the unplaced points' corner
  });

  it("is all zero where no point is placed", () => {
    expect(Array.from(layerExtent(new Float32Array(8).fill(UNPLACED)))).toEqual([0, 0, 0, 0]);
  });
});

describe("unfit", () => {
  const edges = canvasEdges([1.6, 1.08]);
  const fit = fitExtent(Float32Array.of(0.1, -0.2, 0.3, 0.25), [1.6, 1.08]);

  it("undoes the fit on each axis, outliers (squashed at the edge) too", () => {
    // Out to several squash bands past the knee (further out, float64 holds them at the edge).
    for (let k = 0; k < 400; k++) {
      for (const axis of [0, 1] as const) {
        const v = (axis === 0 ? fit.cx : fit.cy) + (k / 400 - 0.5) * 0.84;
        expect(unfit(fitted(v, fit, edges, axis), fit, edges, axis)).toBeCloseTo(v, 6);
        expect(unfit(fitted(v, IDENTITY, edges, axis), IDENTITY, edges, axis)).toBeCloseTo(v, 12);
      }
    }
    expect(Math.abs(fitted(fit.cy + 0.42, fit, edges, 1))).toBeGreaterThan(edges.knee[1]); // squashed
  });

  it("is increasing, and unbounded at the edge the squash approaches", () => {
    const values = Array.from({ length: 200 }, (_, k) => unfit(-1.2 + (k / 200) * 2.4, fit, edges, 0));
    for (let k = 1; k < values.length; k++) expect(values[k]).toBeGreaterThan(values[k - 1] ?? -Infinity);
    expect(unsquash(edges.limit[0], edges.knee[0], edges.limit[0])).toBe(Infinity);
    expect(unsquash(-edges.limit[0] - 1, edges.knee[0], edges.limit[0])).toBe(-Infinity);
    expect(unsquash(squash(1.3, 0.9, 1), 0.9, 1)).toBeCloseTo(1.3, 6);
  });
});
