// Draws a laid-out graph as SVG with pan (drag), zoom (wheel or buttons, in even steps) and fit.
// The fit keeps the text readable: the graph is cut into columns that fit the panel at a
// readable scale (wrap.ts), and where none do, it is fitted to the panel's width, never below
// that scale, and read by dragging down. Clicks are reported by element: a node (`data-node`)
// or a group toggle (`data-group`).
import { el, svg } from "../../ui/dom";
import { arrowMarker, drawEdge, drawFrameHeader, drawItem } from "./graph-shapes";
import type { Box, Layout } from "./layout";
import { wrapToFit } from "./wrap";

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 4;
/** A small graph is fitted up to this scale. */
const FIT_MAX_ZOOM = 1.25;
/** The fit never goes below this scale: 11px labels stay 10px or more on screen. */
export const READABLE_ZOOM = 0.92;
/** A tall graph that does not fit is fitted to the width, up to this scale. */
const FIT_WIDTH_MAX_ZOOM = 1;
/** One wheel notch (deltaY 100 px) or one press of + / −: about 12%. */
export const ZOOM_STEP = 1.12;
const WHEEL_PIXELS = 100; // deltaY of one wheel notch
const MAX_WHEEL_STEP = 1.25; // per event, however large its deltaY
const MARGIN = 16;
const DRAG_THRESHOLD = 4;

export interface GraphCanvasHandlers {
  onNode(name: string): void;
  /** Expand a collapsed group, or collapse an expanded one. */
  onToggleGroup(path: string): void;
}

export interface GraphCanvas {
  readonly element: HTMLElement;
  /** Show a new layout; `anchor` keeps that element where it was on screen (expand/collapse). */
  render(layout: Layout, anchor?: string): void;
  /** Wrap the graph into the columns that fit the panel and show it at a readable scale. */
  fit(): void;
  /** Zoom about the middle of the panel by `factor` (ZOOM_STEP for a + press). */
  zoom(factor: number): void;
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
  const element = el("div", {
    id: "architecture-graph",
    class: "arch-graph",
    role: "group",
    "aria-label": "model graph",
  });
  element.append(root);

  let view = { x: 0, y: 0, k: 1 };
  let layout: Layout | null = null; // as ELK laid it out
  let shown: Layout | null = null; // as drawn: cut into columns for the panel
  let shownFrom: { layout: Layout; key: string } | null = null;
  let boxes = new Map<string, Box>();
  let selected: string | null = null;
  let fitted = false;
  let following = true; // refit on resize until the user pans or zooms

  const apply = (): void => {
    viewport.setAttribute(
      "transform",
      `translate(${view.x.toFixed(2)},${view.y.toFixed(2)}) scale(${view.k.toFixed(4)})`,
    );
  };
  const size = (): { width: number; height: number } => {
    const rect = element.getBoundingClientRect();
    return { width: rect.width, height: rect.height };
  };

  const draw = (next: Layout): void => {
    shown = next;
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
    markSelection();
  };

  /** Cut the layout into the columns that fit the panel now; the scale they fit at. */
  const arrange = (): number | null => {
    const { width, height } = size();
    if (!layout || width <= 0 || height <= 0) return null;
    const { layout: wrapped, key, scale } = wrapToFit(layout, width - 2 * MARGIN, height - 2 * MARGIN, READABLE_ZOOM);
    if (shownFrom?.layout !== layout || shownFrom.key !== key) {
      shownFrom = { layout, key };
      draw(wrapped);
    }
    return scale;
  };

  const fit = (): void => {
    const scale = arrange();
    const { width, height } = size();
    if (scale === null || !shown) return;
    if (scale >= READABLE_ZOOM) {
      // The whole graph at a readable size: centred.
      view.k = Math.min(FIT_MAX_ZOOM, scale);
      view.x = (width - shown.width * view.k) / 2;
      view.y = Math.max(MARGIN, (height - shown.height * view.k) / 2);
    } else {
      // Too tall to read whole: fitted to the width (not below readable), from the top.
      const byWidth = (width - 2 * MARGIN) / Math.max(1, shown.width);
      view.k = Math.min(FIT_WIDTH_MAX_ZOOM, Math.max(READABLE_ZOOM, byWidth));
      view.x = (width - shown.width * view.k) / 2;
      view.y = MARGIN;
    }
    fitted = true;
    following = true;
    apply();
  };

  const zoomAt = (px: number, py: number, factor: number): void => {
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.k * factor));
    view.x = px - ((px - view.x) * k) / view.k;
    view.y = py - ((py - view.y) * k) / view.k;
    view.k = k;
    following = false;
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
    if (!fitted || !before) {
      if (!fitted || following) fit();
      else arrange(); // where the user has panned or zoomed, the view stays
      return;
    }
    // An expanded or collapsed group: refit if the new graph still reads whole and the user
    // has not moved; otherwise keep the group where it was on screen.
    const scale = arrange();
    if (following && scale !== null && scale >= READABLE_ZOOM) return fit();
    const after = anchor ? boxes.get(anchor) : undefined;
    if (after) {
      view.x += view.k * (before.x - after.x);
      view.y += view.k * (before.y - after.y);
      following = false;
      apply();
    }
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
  // Keys, once the graph has focus (a click gives it): up, down and Page Up / Down pan, + and −
  // zoom, 0 fits. (Left and right stay the app's previous / next image.)
  element.tabIndex = 0;
  root.addEventListener("pointerdown", () => element.focus({ preventScroll: true }));
  element.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const { width, height } = size();
    const pan: Record<string, [number, number]> = {
      ArrowUp: [0, 60],
      ArrowDown: [0, -60],
      PageUp: [0, height * 0.8],
      PageDown: [0, -height * 0.8],
    };
    const by = pan[event.key];
    if (by) {
      view.x += by[0];
      view.y += by[1];
      following = false;
      apply();
    } else if (event.key === "+" || event.key === "=") zoomAt(width / 2, height / 2, ZOOM_STEP);
    else if (event.key === "-" || event.key === "_") zoomAt(width / 2, height / 2, 1 / ZOOM_STEP);
    else if (event.key === "0") fit();
    else return;
    event.preventDefault();
  });

  // Wheel and trackpad: zoom about the pointer in proportion to deltaY, ZOOM_STEP per notch
  // (a pinch, sent as ctrl + wheel with small deltas, counts five times as much).
  root.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const rect = element.getBoundingClientRect();
      const pixels =
        event.deltaY * (event.deltaMode === 1 ? 33 : event.deltaMode === 2 ? 800 : 1) * (event.ctrlKey ? 5 : 1);
      const step = Math.max(
        -Math.log(MAX_WHEEL_STEP),
        Math.min(Math.log(MAX_WHEEL_STEP), (pixels / WHEEL_PIXELS) * Math.log(ZOOM_STEP)),
      );
      if (step) zoomAt(event.clientX - rect.left, event.clientY - rect.top, Math.exp(-step));
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
    zoom(factor) {
      const { width, height } = size();
      zoomAt(width / 2, height / 2, factor);
    },
    select(id) {
      selected = id;
      markSelection();
    },
    reveal,
    shown() {
      // (A layout that came while hidden, with no size to wrap it to, is drawn now.)
      if (!fitted || following) fit();
      else arrange();
    },
    destroy() {
      resize.disconnect();
    },
  };
}
