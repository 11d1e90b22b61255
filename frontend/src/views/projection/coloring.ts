// Point colours for the scatter: each point's key under a colour mode (true class, predicted
// class, right = 0 / wrong = 1; -1 unknown), the legend's entries with their counts and colours,
// and each point's entry (its slot), so that the scatter looks a point's colour up by its slot
// and hiding an entry (alpha 0) touches no point. Tray images, drawn after the dataset images,
// each get their own legend entry (key -2 - j for the j-th), filled with their true class's
// colour. Where exactly two classes are shown they are blue and orange, as in the paper's
// figures; more classes take the shared class palette (ui/colors.ts).
import { classColor } from "../../ui/colors";
import { colorOf, type ColorMode, type LegendEntry } from "./legend";
import type { TrayPoint } from "./projection-api";

/** The two-class pair: Tableau's blue and orange (the first two of the class palette). */
export const TWO_CLASSES: readonly [string, string] = ["#1f77b4", "#ff7f0e"];

/** Colour of each class among `shown`: the smaller of exactly two classes blue, the other
 * orange; otherwise the class palette. */
export function classPalette(shown: Iterable<number>): (key: number) => string {
  const classes = [...new Set([...shown].filter((k) => k >= 0))].sort((a, b) => a - b);
  if (classes.length !== 2) return classColor;
  const [low] = classes;
  return (key) => (key === low ? TWO_CLASSES[0] : classes.includes(key) ? TWO_CLASSES[1] : classColor(key));
}

export interface ColorInputs {
  /** True label of every dataset image (null until loaded). */
  labels: Int32Array | null;
  /** Predicted class of every dataset image (null before the evaluation). */
  predictions: readonly number[] | null;
  trueClasses: readonly string[];
  predictedClasses: readonly string[];
}

function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The colour key of every point (dataset `indices`) under `mode`. */
export function colorKeys(mode: ColorMode, indices: Int32Array, o: ColorInputs): Int32Array {
  const out = new Int32Array(indices.length);
  indices.forEach((index, i) => {
    const label = o.labels?.[index] ?? -1;
    const predicted = o.predictions?.[index] ?? -1;
    out[i] =
      mode === "true"
        ? label
        : mode === "predicted"
          ? predicted
          : label < 0 || predicted < 0
            ? -1
            : predicted === label
              ? 0
              : 1;
  });
  return out;
}

/** The legend key of the j-th tray point (below -1, the dataset's "unknown"). */
export const trayKey = (j: number): number => -2 - j;

/** A tray image's fill: its true class where the colours show true classes, else grey. */
const trayFill = (mode: ColorMode, point: TrayPoint, palette: (key: number) => string): string =>
  mode === "true" && point.label >= 0 ? palette(point.label) : colorOf(mode, -1);

export interface PointColors {
  /** The legend entry of each point (its position in `entries`): the scatter's colour of the
   * point is its entry's, uploaded once per colouring; hiding an entry changes only the
   * entries' colours (entryColors). */
  slots: Uint16Array;
  entries: LegendEntry[];
  palette: (key: number) => string;
}

/** Entries a colouring can have: a slot is 16 bits. */
export const MAX_ENTRIES = 65_536;

export function pointColors(
  mode: ColorMode,
  indices: Int32Array,
  o: ColorInputs,
  tray: readonly TrayPoint[] = [],
): PointColors {
  const keys = colorKeys(mode, indices, o);
  // Keys are -1 (unknown) or a class: counted in an array by key + 1.
  let top = 0;
  for (const k of keys) top = Math.max(top, k);
  const tally = new Int32Array(top + 2);
  for (const k of keys) tally[k + 1] = (tally[k + 1] ?? 0) + 1;
  const present: number[] = [];
  for (let k = 0; k <= top; k++) if (tally[k + 1]) present.push(k);
  if (tally[0]) present.push(-1); // unknown last
  const classes = mode === "correct" ? [] : [...present, ...(mode === "true" ? tray.map((t) => t.label) : [])];
  const palette = classPalette(classes);
  const colorFor = (k: number): string => (mode === "correct" || k < 0 ? colorOf(mode, k) : palette(k));
  const names = mode === "predicted" ? o.predictedClasses : o.trueClasses;
  const label = (k: number): string =>
    k < 0 ? "unknown" : mode === "correct" ? (k === 0 ? "right" : "wrong") : (names[k] ?? String(k));
  const entries = present.map((key): LegendEntry => ({
    key,
    count: tally[key + 1] ?? 0,
    label: label(key),
    color: colorFor(key),
  }));
  tray.forEach((point, j) => {
    entries.push({
      key: trayKey(j),
      count: 1,
      label: `tray: ${point.name}`,
      color: trayFill(mode, point, palette),
      tray: point.id,
    });
  });
  if (entries.length > MAX_ENTRIES) throw new Error(`${entries.length} colours are more than the scatter can hold.`);
  const slotOf = new Int32Array(top + 2);
  present.forEach((key, slot) => (slotOf[key + 1] = slot));
  const slots = new Uint16Array(keys.length + tray.length);
  for (let i = 0; i < keys.length; i++) slots[i] = slotOf[(keys[i] ?? -1) + 1] ?? 0;
  for (let j = 0; j < tray.length; j++) slots[keys.length + j] = present.length + j;
  return { slots, entries, palette };
}

/** Each entry's colour as RGBA bytes, alpha 0 where its key is hidden. */
export function entryColors(entries: readonly LegendEntry[], hidden: ReadonlySet<number>): Uint8Array {
  const rgba = new Uint8Array(entries.length * 4);
  entries.forEach((entry, slot) => {
    rgba.set([...hexRgb(entry.color ?? colorOf("true", entry.key)), hidden.has(entry.key) ? 0 : 255], slot * 4);
  });
  return rgba;
}
