// Point colours for the scatter: each point's key under a colour mode (true class, predicted
// class, right = 0 / wrong = 1; -1 unknown), as RGBA bytes (alpha 0 where hidden), and the
// legend's entries with their counts and colours. Tray images, drawn after the dataset images,
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

export function pointColors(
  mode: ColorMode,
  indices: Int32Array,
  hidden: ReadonlySet<number>,
  o: ColorInputs,
  tray: readonly TrayPoint[] = [],
): { rgba: Uint8Array; entries: LegendEntry[]; palette: (key: number) => string } {
  const keys = colorKeys(mode, indices, o);
  const rgba = new Uint8Array((keys.length + tray.length) * 4);
  const counts = new Map<number, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const classes = mode === "correct" ? [] : [...counts.keys(), ...(mode === "true" ? tray.map((t) => t.label) : [])];
  const palette = classPalette(classes);
  const colorFor = (k: number): string => (mode === "correct" || k < 0 ? colorOf(mode, k) : palette(k));
  const rgb = new Map([...counts.keys()].map((k) => [k, hexRgb(colorFor(k))]));
  keys.forEach((k, i) => {
    const c = rgb.get(k) ?? [0, 0, 0];
    rgba.set([c[0], c[1], c[2], hidden.has(k) ? 0 : 255], i * 4);
  });
  const names = mode === "predicted" ? o.predictedClasses : o.trueClasses;
  const label = (k: number): string =>
    k < 0 ? "unknown" : mode === "correct" ? (k === 0 ? "right" : "wrong") : (names[k] ?? String(k));
  const entries = [...counts]
    .sort((a, b) => (a[0] < 0 ? 1 : b[0] < 0 ? -1 : a[0] - b[0]))
    .map(([key, count]): LegendEntry => ({ key, count, label: label(key), color: colorFor(key) }));
  tray.forEach((point, j) => {
    const key = trayKey(j);
    const color = trayFill(mode, point, palette);
    rgba.set([...hexRgb(color), hidden.has(key) ? 0 : 255], (keys.length + j) * 4);
    entries.push({ key, count: 1, label: `tray: ${point.name}`, color, tray: point.id });
  });
  return { rgba, entries, palette };
}
