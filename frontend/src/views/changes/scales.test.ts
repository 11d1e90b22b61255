import { describe, expect, it } from "vitest";
import { linear, niceTicks, tickStep } from "./chart-scale";
import { classChanges } from "./class-change";
import { cellText } from "./confusion-diff";
import { diverging, divergingPosition, largestMagnitude } from "./diverging";

const rgb = (css: string): number[] => (css.match(/\d+/g) ?? []).map(Number);

describe("chart axes", () => {
  it("map the domain's ends onto the range's, and a flat domain to the middle", () => {
    const x = linear([0, 4], [10, 110]);
    expect([x(0), x(2), x(4)]).toEqual([10, 60, 110]);
    expect(linear([3, 3], [0, 100])(3)).toBe(50);
    expect(linear([0, 1], [200, 20])(0.25)).toBe(155); // SVG y runs down
  });

  it("tick at 1, 2 or 5 times a power of ten, covering the values", () => {
    expect(tickStep(1, 4)).toBeCloseTo(0.5);
    expect(tickStep(0.38, 4)).toBeCloseTo(0.1);
    expect(tickStep(1330, 4)).toBe(500);
    const { ticks, domain } = niceTicks(0.5688, 0.9722);
    expect(domain[0]).toBeLessThanOrEqual(0.5688);
    expect(domain[1]).toBeGreaterThanOrEqual(0.9722);
    expect(ticks[0]).toBe(domain[0]);
    expect(ticks.at(-1)).toBe(domain[1]);
    expect(ticks).toEqual([0.4, 0.6, 0.8, 1]); // a span of 0.4 in steps of 0.2
    expect(niceTicks(0, 0).ticks.length).toBeGreaterThan(1); // one value still gets an axis
    expect(niceTicks(NaN, 1).domain).toEqual([0, 1]);
  });
});

describe("the diverging scale of A minus B", () => {
  it("is white at zero, orange for A, purple for B, and symmetric in lightness", () => {
    expect(rgb(diverging(0))).toEqual([247, 247, 247]);
    const [r, , b] = rgb(diverging(1));
    expect(r).toBeGreaterThan(b ?? 0); // orange
    const [r2, , b2] = rgb(diverging(-1));
    expect(b2).toBeGreaterThan(r2 ?? 0); // purple
    expect(diverging(5)).toBe(diverging(1));
    expect(diverging(NaN)).toBe(diverging(0));
  });

  it("places values by the square root of their share of the largest magnitude, sign kept", () => {
    const limit = largestMagnitude([
      [3, -400],
      [25, 0],
    ]);
    expect(limit).toBe(400);
    expect(divergingPosition(-400, limit)).toBe(-1);
    expect(divergingPosition(100, limit)).toBeCloseTo(0.5);
    expect(divergingPosition(0, limit)).toBe(0);
    expect(divergingPosition(7, 0)).toBe(0);
  });

  it("says what a cell means", () => {
    const classes = ["cat", "dog"];
    expect(cellText(classes, 0, 1, -30)).toBe("true cat → predicted dog: A − B = -30 (30 more under B)");
    expect(cellText(classes, 1, 1, 12)).toBe("true dog predicted right: A − B = +12 (12 more under A)");
    expect(cellText(classes, 1, 0, 0)).toContain("as many under A as under B");
  });
});

describe("per-class accuracy change", () => {
  it("is B's accuracy minus A's, none where a class has no image", () => {
    const change = classChanges([0.9, 0.5, null], [0.8, 0.75, 0.4]);
    expect(change[0]).toBeCloseTo(-0.1);
    expect(change[1]).toBeCloseTo(0.25);
    expect(change[2]).toBeNull();
  });
});
