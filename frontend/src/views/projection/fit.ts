// How each layer's layout is fitted to the canvas: the box between the 2nd and 98th percentile
// of each axis, centred, scaled alike on both axes until it fills the canvas, and the few points
// far outside it held at the canvas edge (squashed into a thin band there, so that they keep
// their order instead of piling onto one line). The server scales every layer by its most
// extreme point (coordinates in [-1, 1]), so a handful of outliers would otherwise squeeze the
// classes into a corner. The extents are computed once per projection; the shader applies the
// fits (shaders.ts), with the same arithmetic as here for picking.

/** Percentiles of the fitted box. */
export const LOW = 0.02;
export const HIGH = 0.98;
/** Points per layer the percentiles are estimated from (a fixed stride through the layer). */
const SAMPLE = 4096;

/** Per layer: centre and half-extent of its percentile box, `[cx, cy, hx, hy]` × layers. */
export function layerExtents(coords: Float32Array, layers: number, count: number): Float32Array {
  const out = new Float32Array(layers * 4);
  const stride = Math.max(1, Math.ceil(count / SAMPLE));
  const n = Math.ceil(count / stride);
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  const quantile = (sorted: Float32Array, q: number): number => {
    const at = q * (sorted.length - 1);
    const i = Math.floor(at);
    const low = sorted[i] ?? 0;
    return low + ((sorted[Math.min(sorted.length - 1, i + 1)] ?? low) - low) * (at - i);
  };
  for (let l = 0; l < layers; l++) {
    for (let j = 0; j < n; j++) {
      const at = (l * count + j * stride) * 2;
      xs[j] = coords[at] ?? 0;
      ys[j] = coords[at + 1] ?? 0;
    }
    xs.sort();
    ys.sort();
    const [x0, x1, y0, y1] = [quantile(xs, LOW), quantile(xs, HIGH), quantile(ys, LOW), quantile(ys, HIGH)];
    out.set([(x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2], l * 4);
  }
  return out;
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

/**
 * The fit of one layer's `extent` (from layerExtents) into a view whose visible half-size is
 * `room` (x, y) in the same units as the unfitted [-1, 1] layout: the box fills FILL of the
 * limiting axis. A layer whose box is a point (fewer than 3 distinct points) keeps its scale.
 */
export function fitExtent(extent: ArrayLike<number>, offset: number, room: readonly [number, number]): Fit {
  const cx = extent[offset] ?? 0;
  const cy = extent[offset + 1] ?? 0;
  const hx = extent[offset + 2] ?? 0;
  const hy = extent[offset + 3] ?? 0;
  const scale = Math.min(hx > 1e-9 ? room[0] / hx : Infinity, hy > 1e-9 ? room[1] / hy : Infinity) * FILL;
  return { cx, cy, scale: Number.isFinite(scale) ? scale : 1, squash: true };
}
