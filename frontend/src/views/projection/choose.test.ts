import { describe, expect, it } from "vitest";
import { chooseImages, withOriginals, type PickInputs, type PickSpec } from "./choose";

const size = 60_000;
const inputs: PickInputs = {
  size,
  labels: Int32Array.from({ length: size }, (_, i) => i % 10),
  predictions: null,
  grid: null,
};
const spec = (o: Partial<PickSpec>): PickSpec => ({
  mode: "random",
  classes: new Set(Array.from({ length: 10 }, (_, i) => i)),
  perClass: 5,
  count: 1000,
  seed: 0,
  ...o,
});

describe("chooseImages", () => {
  it("chooses as many images as asked, up to the whole dataset: no cap of its own", () => {
    for (const count of [25_000, size]) {
      const { indices, note } = chooseImages(spec({ count }), inputs);
      expect(indices.length).toBe(count);
      expect(new Set(indices).size).toBe(count);
      expect(note).toBe("");
    }
    const perClass = chooseImages(spec({ mode: "per-class", perClass: 6000 }), inputs);
    expect(perClass.indices.length).toBe(size);
  });

  it("keeps to the ticked classes", () => {
    const { indices } = chooseImages(spec({ count: size, classes: new Set([3, 5]) }), inputs);
    expect(indices.length).toBe(12_000);
    expect(Array.from(indices).every((i) => i % 10 === 3 || i % 10 === 5)).toBe(true);
  });
});

describe("withOriginals", () => {
  it("appends each tray image's original once, after the chosen images, where it is missing", () => {
    const chosen = Int32Array.from([10, 20, 30]);
    expect(Array.from(withOriginals(chosen, [20, 7, 7, -1, size, 9], size))).toEqual([10, 20, 30, 7, 9]);
    expect(withOriginals(chosen, [10, -1], size)).toBe(chosen);
  });
});
