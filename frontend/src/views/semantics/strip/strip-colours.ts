// The colour scales of the strip's difference maps: a diverging one for a signed change (blue:
// darker, white: unchanged, red: brighter) and a sequential one for its size (magma: black for
// none, through red, to pale yellow for the most; lightness rises all the way, so it reads in
// grey print too).
export type Rgb = [number, number, number];

const NEGATIVE: Rgb = [33, 102, 172]; // RdBu ends (ColorBrewer)
const POSITIVE: Rgb = [178, 24, 43];

// Matplotlib's magma, sampled at 9 stops.
const MAGMA: Rgb[] = [
  [0, 0, 4],
  [28, 16, 68],
  [79, 18, 123],
  [129, 37, 129],
  [181, 54, 122],
  [229, 80, 100],
  [251, 135, 97],
  [254, 194, 135],
  [252, 253, 191],
];

const unit = (t: number, low: number): number => Math.max(low, Math.min(1, Number.isFinite(t) ? t : 0));

/** The diverging colour of t in [-1, 1]. */
export function diverging(t: number): Rgb {
  const x = unit(t, -1);
  const end = x < 0 ? NEGATIVE : POSITIVE;
  const a = Math.abs(x);
  return [255 + (end[0] - 255) * a, 255 + (end[1] - 255) * a, 255 + (end[2] - 255) * a];
}

/** The magma colour of t in [0, 1]. */
export function magma(t: number): Rgb {
  const x = unit(t, 0) * (MAGMA.length - 1);
  const i = Math.min(MAGMA.length - 2, Math.floor(x));
  const f = x - i;
  const a = MAGMA[i] ?? [0, 0, 0];
  const b = MAGMA[i + 1] ?? a;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}
