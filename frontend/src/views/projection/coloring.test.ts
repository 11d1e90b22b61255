import { describe, expect, it } from "vitest";
import { classColor } from "../../ui/colors";
import {
  classPalette,
  colorKeys,
  entryColors,
  pointColors,
  trayKey,
  TWO_CLASSES,
  type ColorInputs,
  type PointColors,
} from "./coloring";
import { RIGHT_WRONG } from "./legend";
import type { TrayPoint } from "./projection-api";

/** Each point's RGBA as the scatter draws it: its slot's entry colour. */
function pointRgba(colors: PointColors, hidden: ReadonlySet<number>): Uint8Array {
  const entries = entryColors(colors.entries, hidden);
  const out = new Uint8Array(colors.slots.length * 4);
  colors.slots.forEach((slot, i) => out.set(entries.subarray(slot * 4, slot * 4 + 4), i * 4));
  return out;
}

const hex = (rgba: Uint8Array, i: number): string =>
  `#${Array.from(rgba.subarray(i * 4, i * 4 + 3), (v) => v.toString(16).padStart(2, "0")).join("")}`;

// Six dataset images: true labels and the model's predictions (image 5 is unlabelled).
const inputs: ColorInputs = {
  labels: Int32Array.from([0, 3, 3, 5, 0, -1]),
  predictions: [0, 5, 3, 5, 3, 2],
  trueClasses: ["airplane", "b", "c", "cat", "d", "dog"],
  predictedClasses: ["airplane", "b", "c", "cat", "d", "dog"],
};
const all = Int32Array.from([0, 1, 2, 3, 4, 5]);

const trayPoint = (id: string, label: number): TrayPoint => ({
  created: 0,
  id,
  label,
  label_name: null,
  name: `edit ${id}`,
  source: 1,
});

describe("classPalette", () => {
  it("colours exactly two classes blue (the smaller index) and orange", () => {
    const palette = classPalette([5, 3, 5, -1]);
    expect(palette(3)).toBe(TWO_CLASSES[0]);
    expect(palette(5)).toBe(TWO_CLASSES[1]);
  });

  it("uses the class palette for one class or more than two", () => {
    for (const shown of [[4], [1, 2, 7]]) {
      const palette = classPalette(shown);
      for (const k of shown) expect(palette(k)).toBe(classColor(k));
    }
  });
});

describe("colorKeys", () => {
  it("keys each point by its true class, its predicted class, or right (0) / wrong (1)", () => {
    expect(Array.from(colorKeys("true", all, inputs))).toEqual([0, 3, 3, 5, 0, -1]);
    expect(Array.from(colorKeys("predicted", all, inputs))).toEqual([0, 5, 3, 5, 3, 2]);
    expect(Array.from(colorKeys("correct", all, inputs))).toEqual([0, 1, 0, 0, 1, -1]);
  });

  it("is unknown (-1) before the labels or the predictions are loaded", () => {
    const none = { ...inputs, labels: null, predictions: null };
    for (const mode of ["true", "predicted", "correct"] as const)
      expect(Array.from(colorKeys(mode, all, none))).toEqual([-1, -1, -1, -1, -1, -1]);
  });
});

describe("pointColors", () => {
  it("fills every point with its legend entry's colour, and counts each point once", () => {
    for (const mode of ["true", "predicted", "correct"] as const) {
      const colors = pointColors(mode, all, inputs);
      const { entries } = colors;
      const rgba = pointRgba(colors, new Set());
      const keys = colorKeys(mode, all, inputs);
      expect(entries.reduce((sum, e) => sum + e.count, 0)).toBe(all.length);
      keys.forEach((key, i) => {
        const entry = entries.find((e) => e.key === key);
        expect(entry?.color?.toLowerCase()).toBe(hex(rgba, i));
        expect(rgba[i * 4 + 3]).toBe(255);
      });
      // Classes in order, unknown (where some point is) last.
      const known = entries.filter((e) => e.key >= 0).map((e) => e.key);
      expect(known).toEqual([...new Set(keys)].filter((k) => k >= 0).sort((a, b) => a - b));
      if (keys.includes(-1)) expect(entries.at(-1)?.label).toBe("unknown");
    }
  });

  it("shows two classes in blue and orange, and right / wrong in the two fixed colours", () => {
    const two = pointColors("true", Int32Array.from([1, 2, 3]), inputs);
    expect(two.entries.map((e) => [e.label, e.color])).toEqual([
      ["cat", TWO_CLASSES[0]],
      ["dog", TWO_CLASSES[1]],
    ]);
    const correct = pointColors("correct", Int32Array.from([0, 1]), inputs);
    expect(correct.entries.map((e) => [e.label, e.color])).toEqual([
      ["right", RIGHT_WRONG[0]],
      ["wrong", RIGHT_WRONG[1]],
    ]);
  });

  it("hides (alpha 0) exactly the points whose entry is switched off", () => {
    const rgba = pointRgba(pointColors("true", all, inputs), new Set([3]));
    expect(Array.from(all, (_, i) => rgba[i * 4 + 3])).toEqual([255, 0, 0, 255, 255, 255]);
  });

  it("gives every point the slot of its key's entry", () => {
    for (const mode of ["true", "predicted", "correct"] as const) {
      const { slots, entries } = pointColors(mode, all, inputs);
      const keys = colorKeys(mode, all, inputs);
      expect(Array.from(slots, (slot) => entries[slot]?.key)).toEqual(Array.from(keys));
    }
  });

  it("gives each tray image its own entry after the dataset's, filled with its class's colour", () => {
    const tray = [trayPoint("a1", 3), trayPoint("b2", 0)];
    const colors = pointColors("true", all, inputs, tray);
    const { entries, palette } = colors;
    const rgba = pointRgba(colors, new Set([trayKey(1)]));
    expect(rgba.length).toBe((all.length + 2) * 4);
    const trays = entries.filter((e) => e.tray !== undefined);
    expect(trays.map((e) => [e.key, e.tray, e.count])).toEqual([
      [trayKey(0), "a1", 1],
      [trayKey(1), "b2", 1],
    ]);
    expect(hex(rgba, all.length)).toBe(palette(3).toLowerCase());
    expect(rgba[all.length * 4 + 3]).toBe(255);
    expect(rgba[(all.length + 1) * 4 + 3]).toBe(0); // its entry is off
    expect(new Set(entries.map((e) => e.key)).size).toBe(entries.length); // no key twice
  });
});
