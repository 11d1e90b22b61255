import { describe, expect, it } from "vitest";
import { viridis } from "./colors";
import { cssColor, level } from "./color-scale";

const rgb = (css: string): number[] => (css.match(/\d+/g) ?? []).map(Number);
const luma = ([r, g, b]: readonly number[]): number => 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);

describe("the feature-map colour scale", () => {
  const scale = { min: -2, max: 6 };

  it("maps the node's min and max to viridis's end colours", () => {
    expect(level(scale, -2)).toBe(0);
    expect(level(scale, 6)).toBe(255);
    expect(rgb(cssColor(scale, -2))).toEqual(viridis(0).map(Math.round));
    expect(rgb(cssColor(scale, 6))).toEqual(viridis(1).map(Math.round));
  });

  it("never decreases with the value, and is lighter for larger values", () => {
    let previous = -1;
    let previousLuma = -Infinity;
    for (let v = -3; v <= 7; v += 0.01) {
      const l = level(scale, v);
      expect(l).toBeGreaterThanOrEqual(previous);
      const y = luma(rgb(cssColor(scale, v)));
      expect(y).toBeGreaterThanOrEqual(previousLuma);
      previous = l;
      previousLuma = y;
    }
  });

  it("is an integer LUT index in [0, 255] for any value", () => {
    for (const v of [-1e30, -2.0001, 0, 1.9999, 5.99, 6.01, 1e30, Number.NaN, -Infinity, Infinity]) {
      const l = level(scale, v);
      expect(Number.isInteger(l)).toBe(true);
      expect(l).toBeGreaterThanOrEqual(0);
      expect(l).toBeLessThanOrEqual(255);
    }
    expect(level(scale, -Infinity)).toBe(0);
    expect(level(scale, Infinity)).toBe(255);
  });

  it("puts the middle of the range in the middle of the LUT", () => {
    expect(level(scale, 2)).toBe(128);
  });

  it("paints a flat node (min = max) in one middle colour", () => {
    const flat = { min: 3, max: 3 };
    expect(new Set([-1, 3, 10].map((v) => level(flat, v)))).toEqual(new Set([128]));
  });
});
