// The layer choice of a projection: the server's default layers, convolutions and pooling only,
// or a custom list (checkboxes over the default layers, in graph order).
import type { GraphNode } from "../../api/types";
import { el } from "../../ui/dom";
import { nodeKind, nodeOptionText } from "../../ui/node-names";
import type { ProjectionLayers } from "./projection-api";

type LayerMode = "all" | "conv_pool" | "custom";

export interface LayerPicker {
  readonly element: HTMLElement;
  setLayers(layers: ProjectionLayers): void;
  setError(message: string): void;
  /** The nodes to request (null: the server's default layers) and how many that is (null: unknown). */
  nodes(): string[] | null;
  count(): number | null;
}

export function createLayerPicker(graphNodes: readonly GraphNode[], onChange: () => void): LayerPicker {
  const known = new Map(graphNodes.map((node) => [node.name, node]));
  const mode = el("select", { id: "projection-layers", title: "Which layers to project" });
  const list = el("div", { class: "pj-layer-list", id: "projection-layer-list", hidden: "" });
  const note = el("div", { class: "pj-note" });
  let layers: ProjectionLayers | null = null;
  const boxes: HTMLInputElement[] = [];

  const fill = (): void => {
    const all = layers?.all.length;
    const conv = layers?.conv_pool.length;
    mode.replaceChildren(
      el("option", { value: "all" }, all === undefined ? "All layers" : `All layers (${all})`),
      el("option", { value: "conv_pool" }, conv === undefined ? "Conv and pooling" : `Conv and pooling (${conv})`),
      el("option", { value: "custom" }, "Custom…"),
    );
    for (const option of mode.options) option.disabled = !layers && option.value !== "all";
  };
  fill();
  mode.onchange = () => {
    list.hidden = mode.value !== "custom";
    onChange();
  };
  list.addEventListener("change", onChange);

  return {
    element: el("div", { class: "pj-picker" }, el("h3", { class: "pj-head" }, "Layers"), mode, list, note),
    setLayers(next) {
      layers = next;
      const previous = mode.value;
      fill();
      mode.value = previous;
      const chosen = new Set(next.conv_pool);
      boxes.length = 0;
      list.replaceChildren(
        ...next.all.map((name) => {
          const box = el("input", { type: "checkbox", value: name });
          box.checked = chosen.has(name);
          boxes.push(box);
          const node = known.get(name);
          return el(
            "label",
            { class: "pj-layer", title: node ? nodeOptionText(node) : name },
            box,
            el("span", { class: "pj-layer-name" }, name),
            el("span", { class: "pj-op" }, node ? nodeKind(node) : ""),
          );
        }),
      );
      note.textContent = "";
      onChange();
    },
    setError(message) {
      note.textContent = `Layer lists unavailable (${message}); the default layers are used.`;
    },
    nodes() {
      const m = mode.value as LayerMode;
      if (!layers || m === "all") return null;
      if (m === "conv_pool") return [...layers.conv_pool];
      return boxes.filter((box) => box.checked).map((box) => box.value);
    },
    count() {
      const m = mode.value as LayerMode;
      if (!layers) return null;
      if (m === "all") return layers.all.length;
      if (m === "conv_pool") return layers.conv_pool.length;
      return boxes.filter((box) => box.checked).length;
    },
  };
}
