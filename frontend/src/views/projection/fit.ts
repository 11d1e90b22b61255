// How each layer's layout is fitted to the canvas: the box between the 2nd and 98th percentile
// of each axis, centred, scaled alike on both axes until it fills the canvas, and the few points
// far outside it held at the canvas edge (squashed into a thin band there, so that they keep
// their order instead of piling onto one line). The server scales every layer by its most
// extreme point (coordinates in [-1, 1]), so a handful of outliers would otherwise squeeze the
// classes into a corner. A layer's extent is computed once, as the layer arrives; the shader
// applies the fits (shaders.ts), with the same arithmetic as here for picking, which also undoes
// them (`unfit`).

import { isPlaced } from "./coords";

/** Percentiles of the fitted box. */
export const LOW = 0.02;
export const HIGH = 0.98;
/** Points per layer the percentiles are estimated from (a fixed stride through the layer). */
const SAMPLE = 4096;

/** One layer's percentile box: centre and half-extent, `[cx, cy, hx, hy]`, from a sample of
 * its placed points (x, y pairs in `coords`); all zero when none is placed. */
export function layerExtent(coords: Float32Array): Float32Array {
  const count = coords.length >> 1;
  const stride = Math.max(1, Math.ceil(count / SAMPLE));
  const xs = new Float32Array(Math.ceil(count / stride));
  const ys = new Float32Array(xs.length);
  let n = 0;
  for (let i = 0; i < count; i += stride) {
    const x = coords[2 * i] ?? 0;
    const y = coords[2 * i + 1] ?? 0;
    if (!isPlaced(x, y)) continue;
    xs[n] = x;
    ys[n++] = y;
  }
  if (n === 0) return new Float32Array(4);
  const sx = xs.subarray(0, n).sort();
  const sy = ys.subarray(0, n).sort();
  const quantile = (sorted: Float32Array, q: number): number => {
    const at = q * (sorted.length - 1);
    const i = Math.floor(at);
    const low = sorted[i] ?? 0;
    return low + ((sorted[Math.min(sorted.length - 1, i + 1)] ?? low) - low) * (at - i);
  };
  const [x0, x1, y0, y1] = [quantile(sx, LOW), quantile(sx, HIGH), quantile(sy, LOW), quantile(sy, HIGH)];
  return Float32Array.of((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2);
}

/** The percentile box fills this fraction of the canvas along its limiting axis. */
export const FILL = 0.9;
/** Squashed points end here (a fraction of the half-size, so their discs stay in view). */
const EDGE = 0.98;

/** A layer's fit as the shader takes it: `(p - centre) * scale`, squashed past the knee. */
export interface Fit {
  cx: number;
  cy: number;
  scale: number;
  squash: boolean;
}

/** For positions already fitted (a snapshot) or shown as they come. */
export const IDENTITY: Fit = { cx: 0, cy: 0, scale: 1, squash: false };

/** Per axis, where squashing starts (`knee`) and the edge it approaches (`limit`). */
export interface Edges {
  knee: [number, number];
  limit: [number, number];
}

/** The edges of a view whose half-size is `room`: the same margin in pixels on both axes. */
export function canvasEdges(room: readonly [number, number]): Edges {
  const m = Math.min(room[0], room[1]);
  const limit: [number, number] = [room[0] - (1 - EDGE) * m, room[1] - (1 - EDGE) * m];
  return { limit, knee: [limit[0] - (EDGE - FILL) * m, limit[1] - (EDGE - FILL) * m] };
}

/** One fitted coordinate: unchanged up to the knee, then approaching the limit (the shader's
 * `squash`): continuous, with slope 1 at the knee, and order-preserving. */
export function squash(v: number, knee: number, limit: number): number {
  const a = Math.abs(v);
  if (a <= knee) return v;
  const band = limit - knee;
  return Math.sign(v) * (knee + band * (1 - Math.exp(-(a - knee) / band)));
}

/** The inverse of squash: where a fitted coordinate `v` came from (±Infinity at the limit and
 * beyond, which no finite coordinate reaches). */
export function unsquash(v: number, knee: number, limit: number): number {
  const a = Math.abs(v);
  if (a <= knee) return v;
  const band = limit - knee;
  return a >= limit ? Math.sign(v) * Infinity : Math.sign(v) * (knee - band * Math.log(1 - (a - knee) / band));
}

/** A layout coordinate fitted on one axis (0: x, 1: y): the shader's arithmetic. */
export function fitted(v: number, fit: Fit, edges: Edges, axis: 0 | 1): number {
  const scaled = (v - (axis === 0 ? fit.cx : fit.cy)) * fit.scale;
  return fit.squash ? squash(scaled, edges.knee[axis], edges.limit[axis]) : scaled;
}

/** The inverse of `fitted`: the layout coordinate drawn at fitted `v`. Increasing in `v`, so a
 * fitted interval's ends give the layout interval it shows. */
export function unfit(v: number, fit: Fit, edges: Edges, axis: 0 | 1): number {
  const scaled = fit.squash ? unsquash(v, edges.knee[axis], edges.limit[axis]) : v;
  return scaled / fit.scale + (axis === 0 ? fit.cx : fit.cy);
}

/**
 * The fit of one layer's `extent` (from layerExtent) into a view whose visible half-size is
 * `room` (x, y) in the same units as the unfitted [-1, 1] layout: the box fills FILL of the
 * limiting axis. A layer whose box is a point (fewer than 3 distinct points) keeps its scale.
 */
export function fitExtent(extent: ArrayLike<number>, room: readonly [number, number]): Fit {
  const cx = extent[0] ?? 0;
  const cy = extent[1] ?? 0;
  const hx = extent[2] ?? 0;
  const hy = extent[3] ?? 0;
  const scale = Math.min(hx > 1e-9 ? room[0] / hx : Infinity, hy > 1e-9 ? room[1] / hy : Infinity) * FILL;
  return { cx, cy, scale: Number.isFinite(scale) ? scale : 1, squash: true };
}
