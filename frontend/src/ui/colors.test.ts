import { describe, expect, it } from "vitest";
import { classColor, formatNumber, viridis } from "./colors";

/** Rec. 709 luma of a gamma-encoded colour: a lightness order that a grey print keeps. */
const luma = ([r, g, b]: readonly number[]): number => 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);

const rgbOf = (hex: string): number[] => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

describe("viridis", () => {
  it("starts and ends at viridis's end colours", () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
  });

  it("gets lighter all the way from 0 to 1", () => {
    const samples = Array.from({ length: 1001 }, (_, i) => luma(viridis(i / 1000)));
    for (let i = 1; i < samples.length; i++) expect(samples[i]).toBeGreaterThan(samples[i - 1] ?? Infinity);
  });

  it("is continuous: nearby values get nearby colours", () => {
    for (let i = 0; i < 1000; i++) {
      const [a, b] = [viridis(i / 1000), viridis((i + 1) / 1000)];
      for (let c = 0; c < 3; c++) expect(Math.abs((a[c] ?? 0) - (b[c] ?? 0))).toBeLessThan(1);
    }
  });

  it("clamps values outside [0, 1] and maps a non-number to the start", () => {
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(7)).toEqual(viridis(1));
    expect(viridis(Number.NaN)).toEqual(viridis(0));
    expect(viridis(Number.POSITIVE_INFINITY)).toEqual(viridis(0));
  });
});

describe("classColor", () => {
  it("gives the first ten classes ten different colours, neighbours far apart", () => {
    const colours = Array.from({ length: 10 }, (_, i) => classColor(i));
    expect(new Set(colours).size).toBe(10);
    for (let i = 1; i < 10; i++) {
      const [a, b] = [rgbOf(colours[i - 1] ?? ""), rgbOf(colours[i] ?? "")];
      const distance = Math.hypot(...a.map((v, c) => v - (b[c] ?? 0)));
      expect(distance).toBeGreaterThan(60);
    }
  });

  it("uses lighter tints of the same ten for classes 10 to 19, then starts again", () => {
    for (let i = 0; i < 10; i++) {
      expect(luma(rgbOf(classColor(i + 10)))).toBeGreaterThan(luma(rgbOf(classColor(i))));
      expect(classColor(i + 20)).toBe(classColor(i));
    }
    expect(new Set(Array.from({ length: 20 }, (_, i) => classColor(i))).size).toBe(20);
  });
});

describe("formatNumber", () => {
  it("writes two decimals in the readable range and exponents outside it", () => {
    expect(formatNumber(0)).toBe("0.00");
    expect(formatNumber(-1.234)).toBe("-1.23");
    expect(formatNumber(9999)).toBe("9999.00");
    expect(formatNumber(12345)).toBe("1.23e+4");
    expect(formatNumber(0.00123)).toBe("1.23e-3");
    expect(formatNumber(Number.NaN)).toBe("NaN");
  });
});
