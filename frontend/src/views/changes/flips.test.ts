import { describe, expect, it } from "vitest";
import { NO_FILTERS, selectImages } from "../data/selection";
import { flipMask, type Flips } from "./flips";

const flips: Flips = { fixed: [1, 4], broken: [2], changed: [1, 2, 4, 7] };

describe("images that flipped from B to A", () => {
  it("masks exactly the listed images, ignoring any out of range", () => {
    expect(Array.from(flipMask(flips, "changed", 8))).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
    expect(Array.from(flipMask({ ...flips, fixed: [-1, 3, 99, 2.5] }, "fixed", 5))).toEqual([0, 0, 0, 1, 0]);
  });

  it("filter the grid to one set, together with the other filters", () => {
    const labels = Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]);
    const only = (kind: "fixed" | "broken" | "changed", trueClass: number | null = null): number[] =>
      Array.from(selectImages(8, { ...NO_FILTERS, flip: kind, trueClass }, labels, null, flips));
    expect(only("fixed")).toEqual([1, 4]);
    expect(only("broken")).toEqual([2]);
    expect(only("changed")).toEqual([1, 2, 4, 7]);
    expect(only("changed", 1)).toEqual([1, 7]);
  });

  it("are no filter until A and B are compared, nor when no set is chosen", () => {
    const all = Array.from({ length: 8 }, (_, i) => i);
    expect(Array.from(selectImages(8, { ...NO_FILTERS, flip: "fixed" }, null, null, null))).toEqual(all);
    expect(Array.from(selectImages(8, NO_FILTERS, null, null, flips))).toEqual(all);
  });
});
