// Images whose prediction changed from B (the model compared with) to A (the selected one), as
// the comparison names them: fixed (wrong under B, right under A), broken (right under B, wrong
// under A), changed (another predicted class). From B to A because a series opens on its last
// checkpoint compared with its first: "fixed" then means fixed by training. The grid filters
// by these.

export type FlipKind = "fixed" | "broken" | "changed";

export const FLIP_KINDS: readonly FlipKind[] = ["fixed", "broken", "changed"];

/** The index lists of one comparison. */
export type Flips = Readonly<Record<FlipKind, readonly number[]>>;

/** What each set holds, in words. */
export const FLIP_TEXT: Record<FlipKind, string> = {
  fixed: "wrong under B, right under A",
  broken: "right under B, wrong under A",
  changed: "another predicted class under A than under B",
};

/** A set's name in a list or an option. */
export const FLIP_NAME: Record<FlipKind, string> = { fixed: "fixed", broken: "broken", changed: "any change" };

/** A mask over `size` images: 1 where the image is in `flips[kind]` (indices out of range ignored). */
export function flipMask(flips: Flips, kind: FlipKind, size: number): Uint8Array {
  const mask = new Uint8Array(size);
  for (const index of flips[kind]) if (Number.isInteger(index) && index >= 0 && index < size) mask[index] = 1;
  return mask;
}
