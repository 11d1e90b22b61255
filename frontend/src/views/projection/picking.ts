// Which point is under the pointer. The points are indexed (kdbush, a static k-d tree) in view
// units: the fitted layout before zoom and pan, where a layer's positions stay put while the user
// zooms, pans and hovers. A pick converts the pointer to view units once, asks the tree for the
// box of the pick radius, and keeps the nearest candidate by its distance in screen pixels.
// Pure (no DOM): the scatter measures the canvas once per event and passes the numbers in.
import KDBush from "kdbush";

/** Points indexed for picking: `positions` holds x, y per point, in view units. */
export interface PointIndex {
  readonly count: number;
  readonly positions: Float64Array;
  readonly tree: KDBush | null;
}

export function buildIndex(positions: Float64Array): PointIndex {
  const count = positions.length >> 1;
  if (count === 0) return { count, positions, tree: null };
  const tree = new KDBush(count, 64, Float64Array);
  for (let i = 0; i < count; i++) tree.add(positions[2 * i] ?? 0, positions[2 * i + 1] ?? 0);
  return { count, positions, tree: tree.finish() };
}

export interface PickQuery {
  /** The pointer, in view units. */
  x: number;
  y: number;
  /** Screen pixels per view unit on each axis (the canvas size and the zoom). */
  scaleX: number;
  scaleY: number;
  /** The farthest a point may be from the pointer, in pixels (inclusive). */
  radius: number;
  /** Whether point `i` may be picked (hidden points may not); all may when absent. */
  visible?: (i: number) => boolean;
}

/** The pickable point nearest to the query within its radius, or null. Of points at the same
 * distance the one with the larger index wins: it is drawn later, on top. */
export function pickNearest(index: PointIndex, query: PickQuery): number | null {
  const { x, y, scaleX, scaleY, radius, visible } = query;
  if (!index.tree || !(radius >= 0) || !(scaleX > 0) || !(scaleY > 0)) return null;
  const rx = radius / scaleX;
  const ry = radius / scaleY;
  let best: number | null = null;
  let bestDistance = radius * radius;
  for (const i of index.tree.range(x - rx, y - ry, x + rx, y + ry)) {
    if (visible && !visible(i)) continue;
    const dx = ((index.positions[2 * i] ?? 0) - x) * scaleX;
    const dy = ((index.positions[2 * i + 1] ?? 0) - y) * scaleY;
    const distance = dx * dx + dy * dy;
    if (distance > bestDistance) continue;
    if (distance < bestDistance || best === null || i > best) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

/** How view units map to the page: the canvas's client box, the fit of the unit square into its
 * drawing buffer (clip units per view unit), the zoom and the pan (in view units). */
export interface ViewTransform {
  left: number;
  top: number;
  width: number;
  height: number;
  fitX: number;
  fitY: number;
  zoom: number;
  offset: readonly [number, number];
}

/** Client pixels of a position in view units: clip = (p * zoom + offset) * fit (the shader's). */
export function toClient(v: ViewTransform, x: number, y: number): [number, number] {
  const cx = (x * v.zoom + v.offset[0]) * v.fitX;
  const cy = (y * v.zoom + v.offset[1]) * v.fitY;
  return [v.left + ((cx + 1) / 2) * v.width, v.top + ((1 - cy) / 2) * v.height];
}

/** The inverse of toClient. */
export function toView(v: ViewTransform, clientX: number, clientY: number): [number, number] {
  const cx = ((clientX - v.left) / v.width) * 2 - 1;
  const cy = 1 - ((clientY - v.top) / v.height) * 2;
  return [(cx / v.fitX - v.offset[0]) / v.zoom, (cy / v.fitY - v.offset[1]) / v.zoom];
}

/** Client pixels per view unit on each axis. */
export function pixelsPerUnit(v: ViewTransform): [number, number] {
  return [(v.zoom * v.fitX * v.width) / 2, (v.zoom * v.fitY * v.height) / 2];
}
