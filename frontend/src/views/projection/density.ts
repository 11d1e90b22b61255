// How opaque the points are drawn, so that a handful stay solid and a million stay readable: by
// default from their density (the expected number of dots over a pixel where points are), the
// user's own choice otherwise (points-control.ts). While a transition draws only some of the
// points (frame-budget.ts), each is drawn more opaque, so that the sample covers the canvas as
// the whole set would.

/** The most opaque a dot is drawn by default: dots that overlap still show it. */
export const MAX_OPACITY = 0.92;
export const MIN_OPACITY = 0.02;
/** The share of the canvas the points of a layer cover (fit.ts fills 90% of it with the central
 * 96% of the points, which leave gaps between clusters). */
const SPREAD = 0.4;
/** Where points are, about this share of a pixel is covered by their colour. */
const COVER = 0.6;

export interface Density {
  /** Points drawn. */
  points: number;
  /** Diameter of a dot, in pixels. */
  size: number;
  /** Canvas area, in the same pixels squared. */
  area: number;
  /** The view's zoom (the points spread over zoom² the area). */
  zoom: number;
}

/** Dots expected over one pixel where the points are. */
export function overlap(d: Density): number {
  const dot = (Math.PI * d.size * d.size) / 4;
  return (d.points * dot) / Math.max(1, SPREAD * d.area * d.zoom * d.zoom);
}

/** The opacity at which `overlap` dots of it cover COVER of a pixel: 1 - (1 - a)^overlap. */
export function autoOpacity(d: Density): number {
  const n = overlap(d);
  const opacity = n > 0 ? 1 - (1 - COVER) ** (1 / n) : MAX_OPACITY;
  return Math.min(MAX_OPACITY, Math.max(MIN_OPACITY, opacity));
}

/** The opacity that `fraction` of the points need to cover a pixel as all of them would at
 * `opacity`: 1 - (1 - a')^(f n) = 1 - (1 - a)^n. */
export function sampleOpacity(opacity: number, fraction: number): number {
  if (!(fraction > 0) || fraction >= 1) return opacity;
  return Math.min(1, 1 - (1 - opacity) ** (1 / fraction));
}
