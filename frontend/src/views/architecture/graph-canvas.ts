// Draws a laid-out graph as SVG with pan (drag), zoom (wheel, around the pointer) and fit.
// Clicks are reported by element: a node (`data-node`) or a group toggle (`data-group`).
import { el } from "../../ui/dom";
import { arrowMarker, drawEdge, drawFrameHeader, drawItem, svg } from "./graph-shapes";
import type { Box, Layout } from "./layout";

const MIN_ZOOM = 0.02;
const MAX_ZOOM = 4;
const FIT_MAX_ZOOM = 1.25;
const DRAG_THRESHOLD = 4;
const READABLE_ZOOM = 0.45;

export interface GraphCanvasHandlers {
  onNode(name: string): void;
  /** Expand a collapsed group, or collapse an expanded one. */
  onToggleGroup(path: string): void;
}

export interface GraphCanvas {
  readonly element: HTMLElement;
  /** Show a new layout; `anchor` keeps that element where it was on screen (expand/collapse). */
  render(layout: Layout, anchor?: string): void;
  fit(): void;
  /** Fit, but never below a readable zoom: then show the top of the graph, centred. */
  fitReadable(): void;
  /** Mark the selected element (a node, or the collapsed group hiding it). */
  select(id: string | null): void;
  /** Pan just enough to bring an element into view. */
  reveal(id: string): void;
  /** The panel became visible: fit on the first showing with a size. */
  shown(): void;
  destroy(): void;
}

export function createGraphCanvas(handlers: GraphCanvasHandlers): GraphCanvas {
  const root = svg("svg", { class: "arch-svg" });
  const defs = svg("defs");
  for (const kind of ["plain", "add", "cat", "active"]) defs.append(arrowMarker(`arrow-${kind}`));
  const viewport = svg("g", { class: "viewport" });
  root.append(defs, viewport);
  const element = el("div", { id: "architecture-graph", class: "arch-graph" });
  element.append(root);

  let view = { x: 0, y: 0, k: 1 };
  let layout: Layout | null = null;
  let boxes = new Map<string, Box>();
  let selected: string | null = null;
  let fitted = false;
  let following = true; // refit on resize until the user pans or zooms

  const apply = (): void => {
    viewport.setAttribute("transform", `translate(${view.x.toFixed(2)},${view.y.toFixed(2)}) scale(${view.k.toFixed(4)})`);
    element.dataset.zoom = view.k.toFixed(3);
  };
  const size = (): { width: number; height: number } => {
    const rect = element.getBoundingClientRect();
    return { width: rect.width, height: rect.height };
  };

  const fit = (): void => {
    const { width, height } = size();
    if (!layout || width <= 0 || height <= 0) return;
    const margin = 16;
    const k = Math.min(FIT_MAX_ZOOM, (width - 2 * margin) / Math.max(1, layout.width), (height - 2 * margin) / Math.max(1, layout.height));
    view = { k: Math.max(MIN_ZOOM, k), x: 0, y: 0 };
    view.x = (width - layout.width * view.k) / 2;
    view.y = Math.max(margin, (height - layout.height * view.k) / 2);
    fitted = true;
    following = true;
    apply();
  };

  const fitReadable = (): void => {
    fit();
    const { width } = size();
    if (!layout || view.k >= READABLE_ZOOM) return;
    view.k = Math.min(READABLE_ZOOM * 2, Math.max(READABLE_ZOOM, (width - 32) / Math.max(1, layout.width)));
    view.x = (width - layout.width * view.k) / 2;
    view.y = 16;
    apply();
  };

  const markSelection = (): void => {
    for (const node of viewport.querySelectorAll(".selected")) node.classList.remove("selected");
    for (const node of viewport.querySelectorAll(".active")) node.classList.remove("active");
    if (!selected) return;
    viewport.querySelector(`[data-id="${CSS.escape(selected)}"]`)?.classList.add("selected");
    for (const edge of viewport.querySelectorAll<SVGPathElement>(".arch-edge")) {
      if (edge.dataset.source === selected || edge.dataset.target === selected) {
        edge.classList.add("active");
        edge.parentNode?.append(edge); // on top of the other edges
      }
    }
  };

  const render = (next: Layout, anchor?: string): void => {
    const before = anchor ? boxes.get(anchor) : undefined;
    layout = next;
    boxes = new Map(next.items.map((item) => [item.id, item]));
    const frames = svg("g", { class: "frames" });
    const edges = svg("g", { class: "edges" });
    const headers = svg("g", { class: "headers" });
    const items = svg("g", { class: "items" });
    for (const item of next.items) {
      (item.type === "frame" ? frames : items).append(drawItem(item));
      const header = drawFrameHeader(item);
      if (header) headers.append(header);
    }
    for (const edge of next.edges) edges.append(drawEdge(edge));
    viewport.replaceChildren(frames, edges, headers, items);
    const after = anchor ? boxes.get(anchor) : undefined;
    if (before && after && fitted) {
      view.x += view.k * (before.x - after.x);
      view.y += view.k * (before.y - after.y);
      following = false;
      apply();
    } else if (!fitted) {
      fit();
    }
    markSelection();
  };

  const reveal = (id: string): void => {
    const box = boxes.get(id);
    const { width, height } = size();
    if (!box || width <= 0) return;
    const left = view.x + box.x * view.k;
    const top = view.y + box.y * view.k;
    const right = left + box.width * view.k;
    const bottom = top + box.height * view.k;
    const pad = 24;
    if (left >= pad && right <= width - pad && top >= pad && bottom <= height - pad) return;
    view.x += width / 2 - (left + right) / 2;
    view.y += height / 2 - (top + bottom) / 2;
    following = false;
    apply();
  };

  // Pan by dragging anywhere; a drag never counts as a click.
  let drag: { x: number; y: number; viewX: number; viewY: number; moved: boolean; pointer: number } | null = null;
  let swallowClick = false;
  root.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, viewX: view.x, viewY: view.y, moved: false, pointer: event.pointerId };
  });
  root.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.pointer) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
    if (!drag.moved) {
      drag.moved = true;
      root.setPointerCapture(event.pointerId);
      element.classList.add("panning");
    }
    following = false;
    view.x = drag.viewX + dx;
    view.y = drag.viewY + dy;
    apply();
  });
  const endDrag = (event: PointerEvent): void => {
    if (!drag || event.pointerId !== drag.pointer) return;
    swallowClick = drag.moved;
    if (drag.moved && root.hasPointerCapture(event.pointerId)) root.releasePointerCapture(event.pointerId);
    element.classList.remove("panning");
    drag = null;
  };
  root.addEventListener("pointerup", endDrag);
  root.addEventListener("pointercancel", endDrag);
  root.addEventListener("click", (event) => {
    if (swallowClick) {
      swallowClick = false;
      return;
    }
    const target = event.target as Element;
    const group = target.closest<SVGGElement>("[data-group]");
    if (group?.dataset.group !== undefined) return handlers.onToggleGroup(group.dataset.group);
    const node = target.closest<SVGGElement>("[data-node]");
    if (node?.dataset.node !== undefined) handlers.onNode(node.dataset.node);
  });
  root.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const rect = element.getBoundingClientRect();
      const px = event.clientX - rect.left;
      const py = event.clientY - rect.top;
      const step = event.deltaMode === 1 ? event.deltaY * 0.05 : event.deltaY * 0.002;
      const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.k * Math.exp(-step)));
      view.x = px - ((px - view.x) * k) / view.k;
      view.y = py - ((py - view.y) * k) / view.k;
      view.k = k;
      following = false;
      apply();
    },
    { passive: false },
  );

  const resize = new ResizeObserver(() => {
    if (!fitted || following) fit();
  });
  resize.observe(element);

  return {
    element,
    render,
    fit,
    fitReadable,
    select(id) {
      selected = id;
      markSelection();
    },
    reveal,
    shown() {
      if (!fitted) fit();
    },
    destroy() {
      resize.disconnect();
    },
  };
}
