import { describe, expect, it } from "vitest";
import {
  buildIndex,
  pickNearest,
  pixelsPerUnit,
  toClient,
  toView,
  type PickQuery,
  type ViewTransform,
} from "./picking";

/** A seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const randomPoints = (rand: () => number, count: number): Float64Array =>
  Float64Array.from({ length: count * 2 }, () => rand() * 2 - 1);

/** The answer by looking at every point: the nearest in pixels within the radius, the later
 * one of equals. */
function bruteForce(positions: Float64Array, q: PickQuery): number | null {
  let best: number | null = null;
  let bestDistance = Infinity;
  for (let i = 0; i < positions.length / 2; i++) {
    if (q.visible && !q.visible(i)) continue;
    const dx = ((positions[2 * i] ?? 0) - q.x) * q.scaleX;
    const dy = ((positions[2 * i + 1] ?? 0) - q.y) * q.scaleY;
    const d = Math.hypot(dx, dy);
    if (d <= q.radius && d <= bestDistance) {
      best = i;
      bestDistance = d;
    }
  }
  return best;
}

describe("pickNearest", () => {
  it("finds the same point as a search of every point, on random layouts", () => {
    const rand = random(7);
    let found = 0;
    for (const count of [1, 5, 200, 5000]) {
      const positions = randomPoints(rand, count);
      const index = buildIndex(positions);
      for (let k = 0; k < 300; k++) {
        const hidden = new Set(Array.from({ length: count / 10 }, () => Math.floor(rand() * count)));
        const query: PickQuery = {
          x: rand() * 2.4 - 1.2,
          y: rand() * 2.4 - 1.2,
          scaleX: 200 + rand() * 400,
          scaleY: 200 + rand() * 400, // not always the same on both axes
          radius: 2 + rand() * 30,
          ...(k % 2 ? { visible: (i: number) => !hidden.has(i) } : {}),
        };
        const expected = bruteForce(positions, query);
        expect(pickNearest(index, query)).toBe(expected);
        if (expected !== null) found++;
      }
    }
    expect(found).toBeGreaterThan(200); // the comparison was not only between two nulls
  });

  it("picks the point under the pointer rather than a neighbour", () => {
    const positions = Float64Array.from([0, 0, 0.05, 0, 0.1, 0]);
    const index = buildIndex(positions);
    const query = { y: 0, scaleX: 100, scaleY: 100, radius: 10 };
    expect(pickNearest(index, { ...query, x: 0.049 })).toBe(1);
    expect(pickNearest(index, { ...query, x: 0.08 })).toBe(2);
    expect(pickNearest(index, { ...query, x: -0.01 })).toBe(0);
  });

  it("breaks a tie for the later point, which is drawn on top", () => {
    // Two points at the same place, and two at the same distance on either side of the pointer.
    const same = buildIndex(Float64Array.from([0.3, 0.3, 0.3, 0.3, 0.9, 0.9]));
    expect(pickNearest(same, { x: 0.3, y: 0.3, scaleX: 100, scaleY: 100, radius: 5 })).toBe(1);
    const around = buildIndex(Float64Array.from([0.5, 0, -0.5, 0]));
    expect(pickNearest(around, { x: 0, y: 0, scaleX: 10, scaleY: 10, radius: 6 })).toBe(1);
  });

  it("picks nothing beyond the radius, measured in pixels on each axis", () => {
    const index = buildIndex(Float64Array.from([0, 0]));
    // 0.1 units right: 10 px at 100 px per unit, 40 px at 400.
    expect(pickNearest(index, { x: 0.1, y: 0, scaleX: 100, scaleY: 400, radius: 10 })).toBe(0);
    expect(pickNearest(index, { x: 0.1, y: 0, scaleX: 100, scaleY: 400, radius: 9.9 })).toBeNull();
    expect(pickNearest(index, { x: 0, y: 0.1, scaleX: 100, scaleY: 400, radius: 39.9 })).toBeNull();
    expect(pickNearest(index, { x: 0, y: 0.1, scaleX: 100, scaleY: 400, radius: 40 })).toBe(0);
    // Inside the search box but outside the circle (the box's corner).
    expect(pickNearest(index, { x: 0.08, y: 0.08, scaleX: 100, scaleY: 100, radius: 10 })).toBeNull();
  });

  it("skips hidden points, taking the nearest visible one", () => {
    const index = buildIndex(Float64Array.from([0, 0, 0.02, 0]));
    const query = { x: 0, y: 0, scaleX: 100, scaleY: 100, radius: 5 };
    expect(pickNearest(index, { ...query, visible: (i) => i !== 0 })).toBe(1);
    expect(pickNearest(index, { ...query, visible: () => false })).toBeNull();
  });

  it("picks nothing among no points", () => {
    const empty = buildIndex(new Float64Array(0));
    expect(empty.count).toBe(0);
    expect(pickNearest(empty, { x: 0, y: 0, scaleX: 100, scaleY: 100, radius: 1e9 })).toBeNull();
  });
});

describe("the view transform", () => {
  const view: ViewTransform = {
    left: 40,
    top: 90,
    width: 800,
    height: 500,
    fitX: 0.575, // 0.92 × 500 / 800: the unit square fills 92% of the shorter side
    fitY: 0.92,
    zoom: 2.5,
    offset: [0.3, -0.2],
  };

  it("maps client pixels to view units and back", () => {
    const rand = random(3);
    for (let k = 0; k < 100; k++) {
      const [x, y] = [rand() * 4 - 2, rand() * 4 - 2];
      const [cx, cy] = toClient(view, x, y);
      const [bx, by] = toView(view, cx, cy);
      expect(bx).toBeCloseTo(x, 9);
      expect(by).toBeCloseTo(y, 9);
    }
  });

  it("puts the view's origin minus the pan at the canvas centre, y upwards", () => {
    const [cx, cy] = toClient(view, -0.3 / 2.5, 0.2 / 2.5);
    expect(cx).toBeCloseTo(40 + 400, 9);
    expect(cy).toBeCloseTo(90 + 250, 9);
    const [, above] = toClient(view, -0.3 / 2.5, 0.2 / 2.5 + 0.1);
    expect(above).toBeLessThan(cy);
  });

  it("gives the pixels per unit that toClient moves by", () => {
    const [sx, sy] = pixelsPerUnit(view);
    const [x0, y0] = toClient(view, 0.1, 0.1);
    const [x1, y1] = toClient(view, 0.2, 0.3);
    expect(x1 - x0).toBeCloseTo(0.1 * sx, 9);
    expect(y0 - y1).toBeCloseTo(0.2 * sy, 9);
    expect(sx).toBeCloseTo(sy, 9); // the fit keeps the axes alike on this canvas
  });
});
