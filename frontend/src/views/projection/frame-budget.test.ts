import { describe, expect, it } from "vitest";
import { createFrameBudget } from "./frame-budget";

/** Frames drawn by a renderer that takes `perPoint` ms a point (plus `fixed` ms), shown no
 * faster than a 60 Hz display: the budget after `frames` frames. */
function settle(perPoint: number, total: number, frames = 120, fixed = 2): number {
  const budget = createFrameBudget({ target: 1000 / 30, floor: 10_000, start: 250_000 });
  let drawn = budget.points(total);
  for (let f = 0; f < frames; f++) {
    budget.observe(Math.max(1000 / 60, fixed + drawn * perPoint), drawn);
    drawn = budget.points(total);
  }
  return drawn;
}

describe("the frame budget", () => {
  it("settles where a frame takes about the target time on a slow renderer", () => {
    for (const perPoint of [1e-3, 2e-4]) {
      const points = settle(perPoint, 1_000_000);
      const frame = 2 + points * perPoint;
      expect(frame).toBeGreaterThan(25);
      expect(frame).toBeLessThan(1000 / 30 + 1);
    }
  });

  it("draws every point where a renderer draws them all within a frame", () => {
    expect(settle(1e-6, 1_000_000)).toBe(1_000_000); // a GPU: a million points in 1 ms
    expect(settle(1e-3, 20)).toBe(20);
  });

  it("never goes below its floor, however slow the frames", () => {
    expect(settle(1, 1_000_000)).toBe(10_000);
  });

  it("ignores intervals that measure nothing", () => {
    const budget = createFrameBudget({ target: 33, floor: 10, start: 500 });
    budget.observe(0, 100);
    budget.observe(NaN, 100);
    budget.observe(50, 0);
    expect(budget.points(10_000)).toBe(500);
  });
});
