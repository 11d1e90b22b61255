// One node's feature maps for the current image under A and under B, side by side: the server's
// channel tiles (one PNG per model, each on its own min-to-max grey scale). The node follows the
// app's (a click in the graph) where it has feature maps; otherwise the picker's.
import { ApiError, request } from "../../api/client";
import type { GraphNode } from "../../api/types";
import { sameImage } from "../../state/image-ref";
import type { AppState } from "../../state/store";
import { el, formatShape, showError } from "../../ui/dom";
import { nodeOptionText } from "../../ui/node-names";
import type { AppContext } from "../view";
import { changesApi, type Side } from "./changes-api";
import { lateConvNode } from "./default-node";

export interface SideMaps {
  readonly element: HTMLElement;
  /** The compared model changed: B's maps again. */
  refresh(): void;
  destroy(): void;
}

/** Nodes with feature maps (C, H, W), in graph order. */
const mapNodes = (nodes: readonly GraphNode[]): GraphNode[] => nodes.filter((node) => node.shape.length === 3);

/** `onNode`: called with the node whenever the maps are shown again (another node, image or B). */
export function createSideMaps(context: AppContext, onNode: (node: string) => void = () => undefined): SideMaps {
  const { store, graph, changes } = context;
  const nodes = mapNodes(graph.nodes);
  const select = el("select", { id: "maps-node", title: "The node whose feature maps are compared" });
  for (const node of nodes) select.append(el("option", { value: node.name }, nodeOptionText(node)));
  const fallback = lateConvNode(
    nodes.map((n) => n.name),
    nodes,
  );
  const initial = store.get().node;
  select.value = initial !== null && nodes.some((n) => n.name === initial) ? initial : (fallback ?? "");

  const side = (
    which: Side,
  ): { box: HTMLElement; image: HTMLImageElement; caption: HTMLElement; note: HTMLElement } => {
    const image = el("img", {
      id: which === "selected" ? "maps-a" : "maps-b",
      class: "wc-maps-image",
      alt: `feature maps under ${which === "selected" ? "A" : "B"}`,
    });
    const caption = el("div", { class: "wc-maps-caption" });
    const note = el("div", { class: "wc-maps-note" });
    return { box: el("figure", { class: `wc-maps wc-maps-${which}` }, caption, image, note), image, caption, note };
  };
  const a = side("selected");
  const b = side("compare");
  const element = el(
    "div",
    { class: "wc-maps-box" },
    el("label", { class: "wc-row", for: "maps-node" }, el("span", {}, "Node"), select),
    el("div", { class: "wc-maps-pair" }, a.box, b.box),
  );
  const urls = new Map<Side, string>();
  let request_ = 0;

  const load = async (which: Side, parts: ReturnType<typeof side>, mine: number, state: AppState): Promise<void> => {
    const node = select.value;
    parts.note.replaceChildren();
    try {
      const response = await request(changesApi.mapsUrl(state, node, which));
      const blob = await response.blob();
      if (mine !== request_) return;
      const old = urls.get(which);
      if (old) URL.revokeObjectURL(old);
      const url = URL.createObjectURL(blob);
      urls.set(which, url);
      parts.image.src = url;
      parts.image.hidden = false;
      const grid = response.headers.get("X-Grid");
      const range = `${Number(response.headers.get("X-Min")).toPrecision(3)} to ${Number(response.headers.get("X-Max")).toPrecision(3)}`;
      parts.note.textContent = `${grid ? `${grid.replace(",", " × ")} tiles · ` : ""}black to white: ${range}`;
    } catch (error) {
      if (mine !== request_) return;
      parts.image.hidden = true;
      showError(parts.note, error instanceof ApiError ? error : new Error(String(error)));
    }
  };

  const show = (): void => {
    const mine = ++request_;
    const state = store.get();
    const info = changes.checkpoints.get();
    const node = nodes.find((n) => n.name === select.value);
    const what = state.tray !== null ? "the tray image" : `image #${state.image}`;
    const shape = node ? ` · ${formatShape(node.shape)}` : "";
    a.caption.replaceChildren(el("strong", {}, "A "), info.model, el("span", { class: "muted" }, ` · ${what}${shape}`));
    b.caption.replaceChildren(
      el("strong", {}, "B "),
      info.compare ?? "none",
      el("span", { class: "muted" }, ` · ${what}${shape}`),
    );
    if (!node) return;
    onNode(node.name);
    void load("selected", a, mine, state);
    if (info.compare === null) {
      b.image.hidden = true;
      b.note.textContent = "No model is compared with: pick one in the header.";
    } else {
      void load("compare", b, mine, state);
    }
  };

  select.onchange = show;
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.node !== previous.node && state.node !== null && nodes.some((n) => n.name === state.node)) {
      select.value = state.node;
      show();
    } else if (!sameImage(state, previous)) {
      show();
    }
  });
  show();
  return {
    element,
    refresh: show,
    destroy() {
      unsubscribe();
      for (const url of urls.values()) URL.revokeObjectURL(url);
    },
  };
}
