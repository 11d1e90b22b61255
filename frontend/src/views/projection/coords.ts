// One layer's coordinates as the scatter holds them: x, y per point, in the server's [-1, 1]
// layout units. A point the server could not place (NaN: its image could not be read) is given
// UNPLACED on both axes as the layer arrives, once; the shader, the fit and the picking index
// then leave out every point past PLACED_LIMIT with one comparison, the same on any GPU (some
// shader compilers fold `isnan` away).

export const UNPLACED = 1e30;
/** Coordinates beyond this (in magnitude) belong to no point: the shader's test too. */
export const PLACED_LIMIT = 1e20;

export const isPlaced = (x: number, y: number): boolean => Math.abs(x) < PLACED_LIMIT && Math.abs(y) < PLACED_LIMIT;

/** Mark every point of `coords` (x, y pairs) that is not finite on both axes as UNPLACED, in
 * place; returns how many are. */
export function markUnplaced(coords: Float32Array): number {
  let unplaced = 0;
  for (let at = 0; at + 1 < coords.length; at += 2) {
    const x = coords[at] ?? NaN;
    const y = coords[at + 1] ?? NaN;
    // Comparisons with NaN are false: this is true for NaN, ±Infinity and huge values.
    if (!(Math.abs(x) < PLACED_LIMIT && Math.abs(y) < PLACED_LIMIT)) {
      coords[at] = UNPLACED;
      coords[at + 1] = UNPLACED;
      unplaced++;
    }
  }
  return unplaced;
}
