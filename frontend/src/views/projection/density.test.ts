import { describe, expect, it } from "vitest";
import { autoOpacity, MAX_OPACITY, MIN_OPACITY, overlap, sampleOpacity } from "./density";

const canvas = { size: 2, area: 1100 * 500, zoom: 1 };

describe("autoOpacity", () => {
  it("draws a handful of points solid, and a million faint enough to show their density", () => {
    expect(autoOpacity({ ...canvas, points: 20, size: 11 })).toBe(MAX_OPACITY);
    const million = autoOpacity({ ...canvas, points: 1_000_000 });
    expect(million).toBeLessThan(0.15);
    expect(million).toBeGreaterThan(MIN_OPACITY);
  });

  it("covers the same share of a pixel where points are, whatever their number", () => {
    for (const points of [50_000, 200_000, 1_000_000]) {
      const d = { ...canvas, points };
      const covered = 1 - (1 - autoOpacity(d)) ** overlap(d);
      expect(covered).toBeCloseTo(0.6, 6);
    }
  });

  it("is fainter with more points or bigger ones, and stronger zoomed in", () => {
    const d = { ...canvas, points: 300_000 };
    expect(autoOpacity({ ...d, points: 600_000 })).toBeLessThan(autoOpacity(d));
    expect(autoOpacity({ ...d, size: 4 })).toBeLessThan(autoOpacity(d));
    expect(autoOpacity({ ...d, zoom: 4 })).toBeGreaterThan(autoOpacity(d));
  });
});

describe("sampleOpacity", () => {
  it("makes a sample cover a pixel as all the points would", () => {
    for (const [opacity, fraction] of [
      [0.05, 0.02],
      [0.3, 0.5],
      [0.01, 0.1],
    ] as const) {
      const n = 400; // dots over a pixel
      const all = 1 - (1 - opacity) ** n;
      const some = 1 - (1 - sampleOpacity(opacity, fraction)) ** (fraction * n);
      expect(some).toBeCloseTo(all, 9);
      expect(sampleOpacity(opacity, fraction)).toBeGreaterThan(opacity);
    }
  });

  it("keeps the opacity of the whole set", () => {
    expect(sampleOpacity(0.2, 1)).toBe(0.2);
    expect(sampleOpacity(0.2, 0)).toBe(0.2);
  });
});
