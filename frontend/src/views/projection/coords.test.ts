import { describe, expect, it } from "vitest";
import { isPlaced, markUnplaced, UNPLACED } from "./coords";

describe("markUnplaced", () => {
  it("marks both coordinates of every point that is not finite on both axes, and counts them", () => {
    const coords = Float32Array.from([0.5, -0.25, NaN, 0.1, 0.3, Infinity, -1, 1, NaN, NaN, -Infinity, 0]);
    expect(markUnplaced(coords)).toBe(4);
    expect(Array.from(coords)).toEqual(
      [0.5, -0.25, UNPLACED, UNPLACED, UNPLACED, UNPLACED, -1, 1, UNPLACED, UNPLACED, UNPLACED, UNPLACED].map(
        Math.fround,
      ),
    );
    // Marked once, it stays marked: a second pass finds the same points and changes nothing.
    const again = coords.slice();
    expect(markUnplaced(again)).toBe(4);
    expect(again).toEqual(coords);
  });

  it("leaves a layer whose points are all placed as it was", () => {
    const coords = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i));
    const before = coords.slice();
    expect(markUnplaced(coords)).toBe(0);
    expect(coords).toEqual(before);
  });

  it("tells placed points from marked ones", () => {
    expect(isPlaced(1, -1)).toBe(true);
    expect(isPlaced(Math.fround(UNPLACED), 0)).toBe(false);
    expect(isPlaced(0, NaN)).toBe(false);
  });
});
