// What the training animation projects: one layer (by default the last convolution or pooling)
// or every convolution and pooling layer (the layers × checkpoints grid), and which images: N per chosen true class (the layer projection's choice, by default its
// classes and 200 each), or a random sample where the dataset has no labels. chooseImages (the
// layer projection's, seeded) turns the form into indices, so the same form is the same request.
import type { GraphNode } from "../../api/types";
import { el } from "../../ui/dom";
import { nodeOptionText } from "../../ui/node-names";
import { chooseImages, type Pick } from "../projection/choose";
import { classPalette } from "../projection/coloring";

/** The most layers one grid may have (the server's MAX_GRID_LAYERS). */
export const MAX_GRID_LAYERS = 64;

export const PER_CLASS = 200;

export interface AnimationPickerOptions {
  size: number;
  trueClasses: readonly string[];
  classCounts: readonly number[] | null;
  labelled: boolean;
  defaultClasses: readonly number[];
  nodes: readonly GraphNode[];
  onChange(): void;
}

export interface AnimationPicker {
  readonly element: HTMLElement;
  /** The layers offered (graph names, graph order), the one to start on, and the grid's rows. */
  setNodes(names: readonly string[], initial: string | null, grid: readonly string[]): void;
  /** The layers to project: the one chosen, or the grid's (null: none yet). */
  layers(): string[] | null;
  pick(labels: Int32Array | null): Pick;
  setLabelsReady(ready: boolean): void;
}

const clampInt = (value: string, low: number, high: number, fallback: number): number => {
  const n = Math.round(Number(value));
  return Number.isFinite(n) && n >= low ? Math.min(high, n) : fallback;
};

export function createAnimationPicker(o: AnimationPickerOptions): AnimationPicker {
  const known = new Map(o.nodes.map((node) => [node.name, node]));
  const node = el("select", {
    id: "checkpoint-node",
    title: "The layer whose representation is followed over training",
  });
  node.append(el("option", { value: "" }, "loading layers…"));
  node.disabled = true;
  node.onchange = () => o.onChange();

  let gridLayers: readonly string[] = [];
  const everyLayer = el("input", { id: "checkpoint-grid", type: "checkbox" });
  const everyLayerLabel = el("span", {}, "every conv and pool layer");
  const everyLayerBox = el(
    "label",
    {
      class: "wc-check",
      title:
        "Project the input, every convolution and pooling layer and the output at once: the layers × checkpoints grid, to move along depth and along training",
    },
    everyLayer,
    everyLayerLabel,
  );
  everyLayer.disabled = true;
  everyLayer.onchange = () => {
    node.disabled = everyLayer.checked;
    o.onChange();
  };

  const swatches: HTMLElement[] = [];
  const classes = el("div", {
    id: "checkpoint-classes",
    class: "wc-classes",
    role: "group",
    "aria-label": "true classes",
  });
  const boxes = o.trueClasses.map((name, i) => {
    const box = el("input", { type: "checkbox", value: String(i) });
    box.checked = o.defaultClasses.includes(i);
    const swatch = el("span", { class: "wc-swatch" });
    swatches.push(swatch);
    const count = o.classCounts?.[i];
    classes.append(
      el(
        "label",
        { class: "wc-class", title: count === undefined ? name : `${name}: ${count.toLocaleString()} images` },
        box,
        swatch,
        el("span", { class: "wc-class-name" }, name),
      ),
    );
    return box;
  });
  // The colours the points will have (two classes: blue and orange, as in the layer projection).
  const paint = (): void => {
    const palette = classPalette(boxes.filter((b) => b.checked).map((b) => Number(b.value)));
    swatches.forEach((swatch, i) => (swatch.style.background = boxes[i]?.checked ? palette(i) : "transparent"));
  };
  paint();
  classes.addEventListener("change", () => {
    paint();
    o.onChange();
  });

  const perClass = el("input", {
    id: "checkpoint-per-class",
    type: "number",
    min: "1",
    max: String(o.size),
    step: "1",
    value: String(Math.min(PER_CLASS, o.size)),
    title: "Images of each chosen class",
  });
  const count = el("input", {
    id: "checkpoint-count",
    type: "number",
    min: "1",
    max: String(o.size),
    step: "1",
    value: String(Math.min(1000, o.size)),
    title: "Images drawn at random",
  });
  for (const input of [perClass, count]) input.addEventListener("input", () => o.onChange());

  const element = el(
    "div",
    { class: "wc-picker" },
    el("label", { class: "wc-row", for: "checkpoint-node" }, el("span", {}, "Layer"), node),
    everyLayerBox,
    ...(o.labelled
      ? [
          el("div", { class: "wc-subhead" }, "True classes"),
          classes,
          el("label", { class: "wc-row", for: "checkpoint-per-class" }, el("span", {}, "Per class"), perClass),
        ]
      : [el("label", { class: "wc-row", for: "checkpoint-count" }, el("span", {}, "Images"), count)]),
  );

  return {
    element,
    setNodes(names, initial, grid) {
      gridLayers = grid;
      const tooMany = grid.length > MAX_GRID_LAYERS;
      everyLayer.disabled = grid.length < 2 || tooMany;
      if (tooMany) everyLayer.checked = false;
      everyLayerLabel.textContent = `every conv and pool layer (${grid.length} with input and output)`;
      if (tooMany)
        everyLayerBox.title = `This model has ${grid.length} conv and pool layers: one grid takes at most ${MAX_GRID_LAYERS}.`;
      node.replaceChildren(
        ...names.map((name) => {
          const info = known.get(name);
          return el("option", { value: name, title: info ? nodeOptionText(info) : name }, name);
        }),
      );
      if (initial !== null) node.value = initial;
      node.disabled = names.length === 0 || everyLayer.checked;
      o.onChange();
    },
    layers: () => (everyLayer.checked ? [...gridLayers] : node.value ? [node.value] : null),
    pick(labels) {
      const classesChosen = new Set(boxes.filter((b) => b.checked).map((b) => Number(b.value)));
      return chooseImages(
        {
          mode: o.labelled ? "per-class" : "random",
          classes: classesChosen,
          perClass: clampInt(perClass.value, 1, o.size, PER_CLASS),
          count: clampInt(count.value, 1, o.size, Math.min(1000, o.size)),
          seed: 0,
        },
        { size: o.size, labels, predictions: null, grid: null },
      );
    },
    setLabelsReady(ready) {
      for (const box of boxes) box.disabled = !ready;
    },
  };
}
