// The image choice of a projection: how (per class, misclassified, random, grid selection), which
// true classes, and how many. It only holds the form; chooseImages turns it into indices.
import { el } from "../../ui/dom";
import { createEvaluatePrompt } from "../../ui/evaluate-prompt";
import type { PickMode, PickSpec } from "./choose";
import { classPalette } from "./coloring";

export interface ImagePickerOptions {
  /** Images in the dataset: the most one can choose. */
  size: number;
  trueClasses: readonly string[];
  classCounts: readonly number[] | null;
  labelled: boolean;
  defaultClasses: readonly number[];
  /** Whether the view was given the grid's selection. */
  hasGrid: boolean;
  evaluate(): Promise<void>;
  onChange(): void;
}

export interface ImagePicker {
  readonly element: HTMLElement;
  spec(): PickSpec;
  setEvaluated(evaluated: boolean): void;
  /** Whether the class list can be used yet (labels loaded). */
  setLabelsReady(ready: boolean): void;
  /** Whether to add the tray images (and the dataset images they were made from). */
  includeTray(): boolean;
  /** The tray holds `count` images; `tick` ticks the option (a tray image became current). */
  setTray(count: number, tick: boolean): void;
}

const MODES: [PickMode, string][] = [
  ["per-class", "N per class"],
  ["misclassified", "Misclassified"],
  ["random", "Random sample"],
  ["grid", "Grid selection"],
];
const PER_CLASS_PRESETS = [5, 50, 500, 2000];
const COUNT_PRESETS = [500, 2000, 10_000];

/** Buttons that fill `input` with a value; `all` (the dataset's size) is one more, "all". */
function presets(
  values: number[],
  input: HTMLInputElement,
  onPick: () => void,
  idPrefix: string,
  all?: number,
): HTMLElement {
  const box = el("div", { class: "pj-presets" });
  const shown = all === undefined ? values : [...values.filter((value) => value < all), all];
  for (const value of shown) {
    const isAll = value === all;
    const button = el(
      "button",
      {
        type: "button",
        id: isAll ? `${idPrefix}-all` : `${idPrefix}-${value}`,
        title: isAll ? `every image (${value.toLocaleString()})` : `${value.toLocaleString()}`,
      },
      isAll ? "all" : value >= 1000 ? `${value / 1000}k` : String(value),
    );
    button.onclick = () => {
      input.value = String(value);
      onPick();
    };
    box.append(button);
  }
  return box;
}

const clampInt = (value: string, low: number, high: number, fallback: number): number => {
  const n = Math.round(Number(value));
  return Number.isFinite(n) && n >= low ? Math.min(high, n) : fallback;
};

export function createImagePicker(o: ImagePickerOptions): ImagePicker {
  const mode = el("select", { id: "projection-mode", title: "How to choose the images" });
  for (const [value, text] of MODES) if (value !== "grid" || o.hasGrid) mode.append(el("option", { value }, text));
  mode.value = o.labelled ? "per-class" : "random";
  (mode.querySelector('option[value="per-class"]') as HTMLOptionElement | null)?.toggleAttribute(
    "disabled",
    !o.labelled,
  );

  const classes = el("div", {
    id: "projection-classes",
    class: "pj-classes",
    role: "group",
    "aria-label": "true classes",
  });
  const swatches: HTMLElement[] = [];
  const boxes: HTMLInputElement[] = o.trueClasses.map((name, i) => {
    const box = el("input", { type: "checkbox", value: String(i) });
    box.checked = o.defaultClasses.includes(i);
    const count = o.classCounts?.[i];
    const swatch = el("span", { class: "pj-swatch" });
    swatches.push(swatch);
    classes.append(
      el(
        "label",
        { class: "pj-class", title: count === undefined ? name : `${name}: ${count.toLocaleString()} images` },
        box,
        swatch,
        el("span", { class: "pj-class-name" }, name),
      ),
    );
    return box;
  });
  // The colours the points will have (two ticked classes are blue and orange: coloring.ts);
  // an unticked class is drawn in no colour, so its swatch is empty.
  const paint = (): void => {
    const palette = classPalette(boxes.filter((box) => box.checked).map((box) => Number(box.value)));
    swatches.forEach((swatch, i) => (swatch.style.background = boxes[i]?.checked ? palette(i) : "transparent"));
  };
  paint();
  const setAll = (checked: boolean): void => {
    for (const box of boxes) box.checked = checked;
    paint();
    o.onChange();
  };
  const all = el("button", { type: "button", class: "link", id: "projection-classes-all" }, "all");
  const none = el("button", { type: "button", class: "link", id: "projection-classes-none" }, "none");
  all.onclick = () => setAll(true);
  none.onclick = () => setAll(false);
  classes.addEventListener("change", () => {
    paint();
    o.onChange();
  });
  const classBlock = el(
    "div",
    { class: "pj-block" },
    el(
      "div",
      { class: "pj-row pj-subhead" },
      el("span", {}, "True classes"),
      el("span", { class: "pj-links" }, all, none),
    ),
    classes,
  );

  const perClass = el("input", {
    id: "projection-per-class",
    type: "number",
    min: "1",
    max: String(o.size),
    step: "1",
    value: "5",
    title: "Images of each chosen class",
  });
  const count = el("input", {
    id: "projection-count",
    type: "number",
    min: "1",
    max: String(o.size),
    step: "1",
    value: String(Math.min(1000, o.size)),
    title: "Images in all",
  });
  const perClassRow = el(
    "div",
    { class: "pj-block" },
    el("label", { class: "pj-row", for: "projection-per-class" }, el("span", {}, "Per class"), perClass),
    presets(PER_CLASS_PRESETS, perClass, () => o.onChange(), "projection-per-class"),
  );
  const countRow = el(
    "div",
    { class: "pj-block" },
    el("label", { class: "pj-row", for: "projection-count" }, el("span", {}, "At most"), count),
    presets(COUNT_PRESETS, count, () => o.onChange(), "projection-count", o.size),
  );
  const prompt = createEvaluatePrompt("Needs the predictions.", o.evaluate, "pj-evaluate");
  let seed = 0;
  const reshuffle = el(
    "button",
    { type: "button", class: "pj-reshuffle", id: "projection-reshuffle", title: "Draw another sample" },
    "New sample",
  );
  reshuffle.onclick = () => {
    seed++;
    o.onChange();
  };
  for (const input of [perClass, count]) input.addEventListener("input", () => o.onChange());
  mode.onchange = () => {
    sync();
    o.onChange();
  };

  const trayBox = el("input", { type: "checkbox", id: "projection-tray" });
  const trayText = el("span", {});
  const trayOption = el(
    "label",
    {
      class: "pj-tray-option",
      for: "projection-tray",
      title:
        "Edited and uploaded images kept in the What-if tray, drawn with a purple outline; an edit's original is outlined too",
    },
    trayBox,
    trayText,
  );
  trayBox.onchange = () => o.onChange();
  trayOption.hidden = true;

  let evaluated = false;
  const sync = (): void => {
    const m = mode.value as PickMode;
    perClassRow.hidden = m !== "per-class";
    countRow.hidden = m === "per-class";
    prompt.hidden = m !== "misclassified" || evaluated;
    classBlock.hidden = !o.labelled;
  };
  sync();

  const element = el(
    "div",
    { class: "pj-picker" },
    el("h3", { class: "pj-head" }, "Images"),
    el("label", { class: "pj-row", for: "projection-mode" }, el("span", {}, "Choose"), mode),
    classBlock,
    perClassRow,
    countRow,
    prompt,
    reshuffle,
    trayOption,
  );

  return {
    element,
    spec: () => ({
      mode: mode.value as PickMode,
      classes: new Set(boxes.filter((box) => box.checked).map((box) => Number(box.value))),
      perClass: clampInt(perClass.value, 1, o.size, 5),
      count: clampInt(count.value, 1, o.size, Math.min(1000, o.size)),
      seed,
    }),
    setEvaluated(value) {
      evaluated = value;
      sync();
    },
    setLabelsReady(ready) {
      for (const box of boxes) box.disabled = !ready;
    },
    includeTray: () => !trayOption.hidden && trayBox.checked,
    setTray(count, tick) {
      trayOption.hidden = count === 0;
      trayText.textContent = `Add the tray's ${count === 1 ? "image" : `${count} images`} and their originals`;
      if (tick) trayBox.checked = true;
      o.onChange();
    },
  };
}
