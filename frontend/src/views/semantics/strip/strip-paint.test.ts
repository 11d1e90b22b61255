import { describe, expect, it } from "vitest";
import type { StripPixels } from "./strip-api";
import { diverging, magma } from "./strip-colours";
import { legendRgba } from "./strip-legend";
import { DIFF_MODES, changeMagnitude, diffRgba, diffScale, frameRgba, meanChange } from "./strip-paint";

/** Rec. 709 luma: a lightness order that a grey print keeps. */
const luma = (r: number, g: number, b: number): number => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** F frames of C channels, H × W, filled by value(f, c, i) at pixel i. */
function pixels(
  f: number,
  c: number,
  h: number,
  w: number,
  value: (f: number, c: number, i: number) => number,
): StripPixels {
  const values = new Float32Array(f * c * h * w);
  for (let a = 0; a < f; a++) for (let b = 0; b < c; b++) for (let i = 0; i < h * w; i++) values[(a * c + b) * h * w + i] = value(a, b, i); // prettier-ignore
  return { shape: [f, c, h, w], values };
}

/** Colours equal up to rounding. */
function expectNear(actual: readonly number[], expected: readonly number[]): void {
  expected.forEach((v, k) => expect(Math.abs((actual[k] ?? Infinity) - v)).toBeLessThanOrEqual(0.5));
}

const pixel = (rgba: Uint8ClampedArray, i: number): number[] => Array.from(rgba.slice(i * 4, i * 4 + 4));

// Two frames of a 1 × 4 RGB image: frame 0 unchanged, frame 1 changed by a ramp that grows
// along the row, the red channel pushed up and the blue one down.
const frames = pixels(2, 3, 1, 4, (_, c, i) => 0.2 + 0.2 * c + 0.05 * i);
const diffs = pixels(2, 3, 1, 4, (f, c, i) => (f === 0 ? 0 : (c === 0 ? 1 : c === 2 ? -0.5 : 0) * 0.1 * i));

describe("change per pixel", () => {
  it("averages the channels for the signed change and takes their L2 norm for its size", () => {
    const d = pixels(1, 2, 1, 1, (_, c) => (c === 0 ? 3 : -4));
    expect(meanChange(d, 0)[0]).toBeCloseTo(-0.5);
    expect(changeMagnitude(d, 0)[0]).toBeCloseTo(5);
  });
});

describe("one amplitude per strip", () => {
  it("is the largest value each display maps, over all frames", () => {
    expect(diffScale(diffs, "signed")).toBeCloseTo((0.3 * (1 - 0.5)) / 3);
    expect(diffScale(diffs, "colour")).toBeCloseTo(0.3);
    expect(diffScale(diffs, "magnitude")).toBeCloseTo(0.3 * Math.hypot(1, 0.5));
    expect(diffScale(diffs, "overlay")).toBe(diffScale(diffs, "magnitude"));
  });

  it("paints the same change the same in every frame, and half the change half as strong", () => {
    const twice = pixels(2, 1, 1, 2, (f, _, i) => (f === 0 ? (i === 0 ? 0.1 : 0.05) : i === 0 ? 0.2 : 0.1));
    const scale = diffScale(twice, "signed");
    expect(scale).toBeCloseTo(0.2);
    const paint = (f: number): Uint8ClampedArray => diffRgba(twice, twice, f, "signed", scale);
    expect(pixel(paint(0), 0)).toEqual(pixel(paint(1), 1));
    expectNear(pixel(paint(1), 1), diverging(0.5));
    expectNear(pixel(paint(1), 0), diverging(1));
  });
});

describe("no change", () => {
  it("is white when signed, mid-grey as colour, black as magnitude, and the frame itself in the overlay", () => {
    const zero = pixels(1, 3, 2, 2, () => 0);
    const image = pixels(1, 3, 2, 2, (_, c, i) => 0.1 * (c + i));
    for (let i = 0; i < 4; i++) {
      expect(pixel(diffRgba(zero, image, 0, "signed", 0.1), i)).toEqual([255, 255, 255, 255]);
      expect(pixel(diffRgba(zero, image, 0, "colour", 0.1), i)).toEqual([128, 128, 128, 255]);
      expectNear(pixel(diffRgba(zero, image, 0, "magnitude", 0.1), i), magma(0));
    }
    expect(diffRgba(zero, image, 0, "overlay", 0.1)).toEqual(frameRgba(image, 0));
    // Nor does a strip with no change at all (amplitude 0) paint anything but "unchanged".
    expect(diffRgba(zero, image, 0, "overlay", diffScale(zero, "overlay"))).toEqual(frameRgba(image, 0));
  });

  it("is opaque in every display", () => {
    for (const mode of DIFF_MODES) {
      const rgba = diffRgba(diffs, frames, 1, mode, diffScale(diffs, mode));
      for (let i = 0; i < 4; i++) expect(rgba[i * 4 + 3]).toBe(255);
    }
  });
});

describe("colour display", () => {
  it("shows each channel's own change around grey, the largest reaching black or white", () => {
    const rgba = diffRgba(diffs, frames, 1, "colour", diffScale(diffs, "colour"));
    const [r, g, b] = pixel(rgba, 3);
    expect(r).toBe(255); // red +0.3, the strip's largest change
    expect(g).toBe(128); // green unchanged
    expect(b).toBeLessThan(128); // blue pushed down
    expect(b).toBeGreaterThan(0);
  });

  it("shows a one-channel change as grey", () => {
    const grey = pixels(1, 1, 1, 1, () => 0.05);
    const [r, g, b] = pixel(diffRgba(grey, grey, 0, "colour", 0.1), 0);
    expect([g, b]).toEqual([r, r]);
    expect(r).toBe(Math.round(0.75 * 255));
  });
});

describe("magnitude and overlay", () => {
  it("get lighter (magnitude) and further from the frame (overlay) as the change grows", () => {
    const scaleM = diffScale(diffs, "magnitude");
    const magnitude = diffRgba(diffs, frames, 1, "magnitude", scaleM);
    const overlay = diffRgba(diffs, frames, 1, "overlay", scaleM);
    const frame = frameRgba(frames, 1);
    const lumas = [0, 1, 2, 3].map((i) => luma(...(pixel(magnitude, i) as [number, number, number])));
    const away = [0, 1, 2, 3].map((i) => Math.hypot(...[0, 1, 2].map((k) => (overlay[i * 4 + k] ?? 0) - (frame[i * 4 + k] ?? 0)))); // prettier-ignore
    for (let i = 1; i < 4; i++) {
      expect(lumas[i]).toBeGreaterThan(lumas[i - 1] ?? Infinity);
      expect(away[i]).toBeGreaterThan(away[i - 1] ?? Infinity);
    }
    expectNear(pixel(magnitude, 3), magma(1));
  });

  it("uses a colour scale whose lightness rises all the way", () => {
    const samples = Array.from({ length: 501 }, (_, i) => luma(...magma(i / 500)));
    for (let i = 1; i < samples.length; i++) expect(samples[i]).toBeGreaterThan(samples[i - 1] ?? Infinity);
  });
});

describe("legend ramps", () => {
  it("run through the same colours as the maps: unchanged in the middle or at the start", () => {
    const signed = legendRgba("signed", 0.2, 5, 3);
    expect(pixel(signed, 2)).toEqual([255, 255, 255, 255]);
    expectNear(pixel(signed, 0), diverging(-1));
    expectNear(pixel(signed, 4), diverging(1));
    const colour = legendRgba("colour", 0.2, 5, 3);
    expect(pixel(colour, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(colour, 2)).toEqual([128, 128, 128, 255]);
    expect(pixel(colour, 4)).toEqual([255, 255, 255, 255]);
    const magnitude = legendRgba("magnitude", 0.2, 5, 3);
    expectNear(pixel(magnitude, 0), magma(0));
    expectNear(pixel(magnitude, 4), magma(1));
    expect(pixel(legendRgba("overlay", 0.2, 5, 1), 0)).toEqual([128, 128, 128, 255]); // over grey
  });
});
