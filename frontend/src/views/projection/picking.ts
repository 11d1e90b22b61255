// Which point is under the pointer. Each layer's points are indexed once (kdbush, a static k-d
// tree) in the layer's own layout units, as they came from the server: an index outlives any
// zoom, pan, resize or fit toggle, so a layer is indexed at most once (off the main thread:
// layer-index.ts). A pick undoes the view (client pixels -> view units -> layout units, each
// axis increasing, so the pick radius's box maps to a box), asks the tree for that box and keeps
// the nearest candidate by its distance in screen pixels, placed as the shader places it.
// Pure (no DOM): the scatter measures the canvas once per event and passes the numbers in.
import KDBush from "kdbush";
import { isPlaced } from "./coords";
import { fitted, unfit, type Edges, type Fit } from "./fit";

/** A layer's placed points indexed for picking: the tree's item k is point `ids[k]`. */
export interface PointIndex {
  readonly tree: KDBush | null;
  readonly ids: Uint32Array;
}

/** The index of one layer's coordinates (x, y pairs), leaving out unplaced points. */
export function buildIndex(coords: Float32Array): PointIndex {
  const count = coords.length >> 1;
  const ids = new Uint32Array(count);
  let placed = 0;
  for (let i = 0; i < count; i++) if (isPlaced(coords[2 * i] ?? 0, coords[2 * i + 1] ?? 0)) ids[placed++] = i;
  if (placed === 0) return { tree: null, ids: new Uint32Array(0) };
  const tree = new KDBush(placed, 64, Float32Array);
  for (let k = 0; k < placed; k++) {
    const i = ids[k] ?? 0;
    tree.add(coords[2 * i] ?? 0, coords[2 * i + 1] ?? 0);
  }
  return { tree: tree.finish(), ids: ids.slice(0, placed) };
}

/** An index as plain buffers (to cross from a worker), and back. */
export interface IndexData {
  data: ArrayBufferLike | null;
  ids: Uint32Array;
}
export const indexData = (index: PointIndex): IndexData => ({ data: index.tree?.data ?? null, ids: index.ids });
export const fromIndexData = (d: IndexData): PointIndex => ({
  tree: d.data ? KDBush.from(d.data) : null,
  ids: d.ids,
});

export interface PickQuery {
  /** The box of layout coordinates that can be within the radius. */
  box: readonly [number, number, number, number];
  /** Where a point at layout (x, y) is drawn, in pixels from the pointer. */
  offset(x: number, y: number): readonly [number, number];
  /** The farthest a point may be from the pointer, in pixels (inclusive). */
  radius: number;
  /** Whether point `i` may be picked (hidden points may not); all may when absent. */
  visible?: (i: number) => boolean;
}

/** The pickable point nearest to the query within its radius, or null. Of points at the same
 * distance the one with the larger index wins: it is drawn later, on top. `coords`: the
 * indexed layer's coordinates. */
export function pickNearest(index: PointIndex, coords: Float32Array, query: PickQuery): number | null {
  const { box, radius, visible } = query;
  if (!index.tree || !(radius >= 0)) return null;
  let best: number | null = null;
  let bestDistance = radius * radius;
  for (const k of index.tree.range(box[0], box[1], box[2], box[3])) {
    const i = index.ids[k] ?? 0;
    if (visible && !visible(i)) continue;
    const [dx, dy] = query.offset(coords[2 * i] ?? 0, coords[2 * i + 1] ?? 0);
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

/** The query for a pointer at a client position over a layer drawn with `fit` under `view`. */
export function layerQuery(
  view: ViewTransform,
  fit: Fit,
  edges: Edges,
  clientX: number,
  clientY: number,
  radius: number,
): PickQuery {
  const [x, y] = toView(view, clientX, clientY);
  const [scaleX, scaleY] = pixelsPerUnit(view);
  const rx = radius / scaleX;
  const ry = radius / scaleY;
  return {
    box: [
      unfit(x - rx, fit, edges, 0),
      unfit(y - ry, fit, edges, 1),
      unfit(x + rx, fit, edges, 0),
      unfit(y + ry, fit, edges, 1),
    ],
    offset: (px, py) => [(fitted(px, fit, edges, 0) - x) * scaleX, (fitted(py, fit, edges, 1) - y) * scaleY],
    radius,
  };
}
