import { describe, expect, it } from "vitest";
import { UNPLACED } from "./coords";
import { canvasEdges, fitExtent, fitted, IDENTITY, layerExtent, type Edges, type Fit } from "./fit";
import {
  buildIndex,
  fromIndexData,
  indexData,
  layerQuery,
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

const randomPoints = (rand: () => number, count: number): Float32Array =>
  Float32Array.from({ length: count * 2 }, () => rand() * 2 - 1);

/** A query in plain pixels: the pointer at (x, y) layout units, `scale` pixels per unit. */
const plain = (x: number, y: number, scaleX: number, scaleY: number, radius: number): PickQuery => ({
  box: [x - radius / scaleX, y - radius / scaleY, x + radius / scaleX, y + radius / scaleY],
  offset: (px, py) => [(px - x) * scaleX, (py - y) * scaleY],
  radius,
});

/** Where the page draws layout point (x, y): the fit, then the view (the shader's arithmetic). */
const drawnAt = (view: ViewTransform, fit: Fit, edges: Edges, x: number, y: number): [number, number] =>
  toClient(view, fitted(x, fit, edges, 0), fitted(y, fit, edges, 1));

/** The answer by looking at every point where it is drawn: the nearest within the radius in
 * client pixels, the later one of equals. */
function bruteForce(
  coords: Float32Array,
  at: (x: number, y: number) => [number, number],
  pointer: [number, number],
  radius: number,
  visible?: (i: number) => boolean,
): number | null {
  let best: number | null = null;
  let bestDistance = Infinity;
  for (let i = 0; i < coords.length / 2; i++) {
    const x = coords[2 * i] ?? 0;
    const y = coords[2 * i + 1] ?? 0;
    if (Math.abs(x) > 1e20 || (visible && !visible(i))) continue;
    const [cx, cy] = at(x, y);
    const d = Math.hypot(cx - pointer[0], cy - pointer[1]);
    if (d <= radius && d <= bestDistance) {
      best = i;
      bestDistance = d;
    }
  }
  return best;
}

describe("pickNearest through a layer's fit and the view", () => {
  it("finds the point a search of every drawn point finds, on random layouts and views", () => {
    const rand = random(7);
    let found = 0;
    for (const count of [1, 5, 200, 5000]) {
      const coords = randomPoints(rand, count);
      // Some outliers (squashed at the edge by the fit) and some unplaced points.
      for (let i = 0; i < count; i += 37) coords[2 * i] = (coords[2 * i] ?? 0) * 40;
      for (let i = 3; i < count; i += 53) coords.fill(UNPLACED, 2 * i, 2 * i + 2);
      const index = buildIndex(coords);
      for (let k = 0; k < 300; k++) {
        const width = 300 + rand() * 900;
        const height = 200 + rand() * 600;
        const side = Math.min(width, height) * 0.92;
        const view: ViewTransform = {
          left: rand() * 100,
          top: rand() * 100,
          width,
          height,
          fitX: side / width,
          fitY: side / height,
          zoom: 0.5 + rand() * 6,
          offset: [rand() - 0.5, rand() - 0.5],
        };
        const edges = canvasEdges([1 / view.fitX, 1 / view.fitY]);
        const fit = k % 3 ? fitExtent(layerExtent(coords), [1 / view.fitX, 1 / view.fitY]) : IDENTITY;
        const hidden = new Set(Array.from({ length: count / 10 }, () => Math.floor(rand() * count)));
        const visible = k % 2 ? (i: number) => !hidden.has(i) : undefined;
        // The pointer near a point (so that most queries find one), or anywhere.
        const near = Math.floor(rand() * count);
        const target = drawnAt(view, fit, edges, coords[2 * near] ?? 0, coords[2 * near + 1] ?? 0);
        const pointer: [number, number] =
          k % 4 === 0 || !Number.isFinite(target[0])
            ? [view.left + rand() * width, view.top + rand() * height]
            : [target[0] + (rand() - 0.5) * 12, target[1] + (rand() - 0.5) * 12];
        const radius = 2 + rand() * 30;
        const query = layerQuery(view, fit, edges, pointer[0], pointer[1], radius);
        const expected = bruteForce(coords, (x, y) => drawnAt(view, fit, edges, x, y), pointer, radius, visible);
        expect(pickNearest(index, coords, { ...query, ...(visible ? { visible } : {}) })).toBe(expected);
        if (expected !== null) found++;
      }
    }
    expect(found).toBeGreaterThan(300); // the comparison was not only between two nulls
  });

  it("never indexes nor picks an unplaced point", () => {
    const coords = Float32Array.from([0, 0, UNPLACED, UNPLACED, 0.5, 0.5]);
    const index = buildIndex(coords);
    expect(Array.from(index.ids)).toEqual([0, 2]);
    expect(pickNearest(index, coords, plain(0.5, 0.5, 100, 100, 5))).toBe(2);
    expect(pickNearest(index, coords, plain(UNPLACED, UNPLACED, 1, 1, 1e9))).toBeNull();
    const none = buildIndex(Float32Array.from([UNPLACED, UNPLACED]));
    expect(pickNearest(none, coords, plain(0, 0, 1, 1, 1e9))).toBeNull();
  });

  it("picks the same from an index sent as buffers (from the worker) as from the index", () => {
    const rand = random(11);
    const coords = randomPoints(rand, 3000);
    const index = buildIndex(coords);
    const copy = fromIndexData(structuredClone(indexData(index)));
    for (let k = 0; k < 200; k++) {
      const query = plain(rand() * 2 - 1, rand() * 2 - 1, 300, 300, 8);
      expect(pickNearest(copy, coords, query)).toBe(pickNearest(index, coords, query));
    }
  });
});

describe("pickNearest", () => {
  it("picks the point under the pointer rather than a neighbour", () => {
    const coords = Float32Array.from([0, 0, 0.05, 0, 0.1, 0]);
    const index = buildIndex(coords);
    expect(pickNearest(index, coords, plain(0.049, 0, 100, 100, 10))).toBe(1);
    expect(pickNearest(index, coords, plain(0.08, 0, 100, 100, 10))).toBe(2);
    expect(pickNearest(index, coords, plain(-0.01, 0, 100, 100, 10))).toBe(0);
  });

  it("breaks a tie for the later point, which is drawn on top", () => {
    // Two points at the same place, and two at the same distance on either side of the pointer.
    const same = Float32Array.from([0.25, 0.25, 0.25, 0.25, 0.75, 0.75]);
    expect(pickNearest(buildIndex(same), same, plain(0.25, 0.25, 100, 100, 5))).toBe(1);
    const around = Float32Array.from([0.5, 0, -0.5, 0]);
    expect(pickNearest(buildIndex(around), around, plain(0, 0, 10, 10, 6))).toBe(1);
  });

  it("picks nothing beyond the radius, measured in pixels on each axis", () => {
    const coords = Float32Array.from([0, 0]);
    const index = buildIndex(coords);
    // 0.125 units right: 12.5 px at 100 px per unit, 50 px at 400.
    expect(pickNearest(index, coords, plain(0.125, 0, 100, 400, 12.5))).toBe(0);
    expect(pickNearest(index, coords, plain(0.125, 0, 100, 400, 12.4))).toBeNull();
    expect(pickNearest(index, coords, plain(0, 0.125, 100, 400, 49.9))).toBeNull();
    expect(pickNearest(index, coords, plain(0, 0.125, 100, 400, 50))).toBe(0);
    // Inside the search box but outside the circle (the box's corner).
    expect(pickNearest(index, coords, plain(0.08, 0.08, 100, 100, 10))).toBeNull();
  });

  it("skips hidden points, taking the nearest visible one", () => {
    const coords = Float32Array.from([0, 0, 0.02, 0]);
    const index = buildIndex(coords);
    const query = plain(0, 0, 100, 100, 5);
    expect(pickNearest(index, coords, { ...query, visible: (i) => i !== 0 })).toBe(1);
    expect(pickNearest(index, coords, { ...query, visible: () => false })).toBeNull();
  });

  it("picks nothing among no points", () => {
    const empty = new Float32Array(0);
    expect(pickNearest(buildIndex(empty), empty, plain(0, 0, 100, 100, 1e9))).toBeNull();
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
