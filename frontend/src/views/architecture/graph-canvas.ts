// Draws a laid-out graph as SVG with pan (drag), zoom (wheel, around the pointer) and fit.
// Clicks are reported by element: a node (`data-node`) or a group toggle (`data-group`).
import { el } from "../../ui/dom";
import { frameTitle, groupLabel, HEADER_HEIGHT, nodeLabel, type Box, type EdgeLine, type Item, type Layout } from "./layout";

const SVG = "http://www.w3.org/2000/svg";
const MIN_ZOOM = 0.02;
const MAX_ZOOM = 4;
const FIT_MAX_ZOOM = 1.25;
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
  fit(): void;
  /** Mark the selected element (a node, or the collapsed group hiding it). */
  select(id: string | null): void;
  /** Pan just enough to bring an element into view. */
  reveal(id: string): void;
  /** The panel became visible: fit on the first showing with a size. */
  shown(): void;
  destroy(): void;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function text(x: number, y: number, content: string, className: string, anchor = "start"): SVGTextElement {
  const t = svg("text", { x, y, class: className, "text-anchor": anchor });
  t.textContent = content;
  return t;
}

function titled<T extends SVGElement>(element: T, title: string): T {
  const t = svg("title");
  t.textContent = title;
  element.prepend(t);
  return element;
}

function arrowMarker(id: string): SVGMarkerElement {
  const marker = svg("marker", {
    id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
    markerUnits: "userSpaceOnUse", orient: "auto-start-reverse", class: id,
  });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z" }));
  return marker;
}

function drawItem(item: Item): SVGGElement {
  const g = svg("g", { transform: `translate(${item.x},${item.y})`, "data-id": item.id });
  if (item.type === "node") {
    const [op, shape] = nodeLabel(item.node);
    g.setAttribute("class", `arch-node kind-${item.kind}`);
    g.setAttribute("data-node", item.node.name);
    g.append(
      svg("rect", { class: "box", width: item.width, height: item.height, rx: 4 }),
      svg("rect", { class: "stripe", width: 4, height: item.height - 2, x: 1, y: 1, rx: 2 }),
      text(10, 16, op, "op"),
      text(item.width - 8, 16, shape, "shape", "end"),
    );
    const params = item.node.params ? `\n${item.node.params.toLocaleString()} parameters` : "";
    return titled(g, `${item.node.name}\n${item.node.target || item.node.op}${params}`);
  }
  const [title, detail] = groupLabel(item.group);
  if (item.type === "group") {
    g.setAttribute("class", "arch-group");
    g.setAttribute("data-group", item.group.path);
    g.setAttribute("data-expanded", "false");
    g.append(
      svg("rect", { class: "box", width: item.width, height: item.height, rx: 5 }),
      text(10, 16, title, "title"),
      text(10, 32, detail, "detail"),
      text(item.width - 10, 17, "+", "toggle", "end"),
    );
    return titled(g, `${item.group.path}: ${item.group.size} ops. Click to expand.`);
  }
  g.setAttribute("class", `arch-frame depth-${Math.min(item.group.depth, 4)}`);
  const header = svg("g", { class: "frame-header", "data-group": item.group.path, "data-expanded": "true" });
  header.append(
    svg("rect", { class: "header", width: item.width, height: HEADER_HEIGHT, rx: 5 }),
    text(8, 16, frameTitle(item.group), "title"),
    text(item.width - 8, 16, "−", "toggle", "end"),
  );
  g.append(svg("rect", { class: "box", width: item.width, height: item.height, rx: 6 }), titled(header, `${item.group.path}: click to collapse`));
  return g;
}

function drawEdge(edge: EdgeLine): SVGPathElement {
  const d = edge.points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("");
  const path = svg("path", {
    d, class: `arch-edge edge-${edge.kind}`, "data-source": edge.source, "data-target": edge.target,
    "marker-end": `url(#arrow-${edge.kind})`,
  });
  if (edge.count > 1) path.style.strokeWidth = String(Math.min(1.2 + 0.4 * (edge.count - 1), 3));
  return path;
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
    const items = svg("g", { class: "items" });
    for (const item of next.items) (item.type === "frame" ? frames : items).append(drawItem(item));
    for (const edge of next.edges) edges.append(drawEdge(edge));
    viewport.replaceChildren(frames, edges, items);
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
