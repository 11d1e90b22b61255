// A diverging colour scale for signed differences (A minus B): ColorBrewer PuOr, orange where A
// has more, purple where B has more, white at zero; colour-blind safe. Magnitudes go through a
// square root so that a handful of images still shows next to hundreds.

const PUOR: readonly [number, number, number][] = [
  [84, 39, 136],
  [128, 115, 172],
  [178, 171, 210],
  [216, 218, 235],
  [247, 247, 247],
  [254, 224, 182],
  [253, 184, 99],
  [224, 130, 20],
  [179, 88, 6],
];

/** The colour of t in [-1, 1] (-1 purple, 0 white, 1 orange) as an rgb() string. */
export function diverging(t: number): string {
  const clamped = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const x = ((clamped + 1) / 2) * (PUOR.length - 1);
  const i = Math.min(PUOR.length - 2, Math.floor(x));
  const f = x - i;
  const a = PUOR[i] ?? [0, 0, 0];
  const b = PUOR[i + 1] ?? a;
  const mix = (k: 0 | 1 | 2): number => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)},${mix(1)},${mix(2)})`;
}

/** Where `value` falls on the scale of a matrix whose largest magnitude is `limit`: sign kept,
 * magnitude square-rooted, 0 for a zero limit. */
export function divergingPosition(value: number, limit: number): number {
  if (!(limit > 0)) return 0;
  return Math.sign(value) * Math.sqrt(Math.min(1, Math.abs(value) / limit));
}

/** The largest magnitude in the rows (0 for none). */
export function largestMagnitude(rows: readonly (readonly number[])[]): number {
  let limit = 0;
  for (const row of rows) for (const v of row) if (Number.isFinite(v)) limit = Math.max(limit, Math.abs(v));
  return limit;
}
