// SVG shapes of the graph: op boxes, collapsed group boxes, frames with their headers, edges.
import { svg } from "../../ui/dom";
import {
  DETAIL_FONT,
  fitText,
  frameTitle,
  groupLabel,
  HEADER_HEIGHT,
  NAME_FONT,
  nodeLabel,
  TEXT_LEFT,
  type EdgeLine,
  type Item,
} from "./layout";

function text(x: number, y: number, content: string, className: string, anchor = "start"): SVGTextElement {
  const t = svg("text", { x, y, class: className, "text-anchor": anchor });
  t.textContent = content;
  return t;
}

/** The group's detail line, with the add / cat counts in their colours. */
function detailText(x: number, y: number, detail: string): SVGTextElement {
  const t = svg("text", { x, y, class: "detail" });
  detail.split(" · ").forEach((part, i) => {
    const kind = /^\d+ (add|cat)$/.exec(part)?.[1];
    const span = svg("tspan", kind ? { class: `count-${kind}` } : {});
    span.textContent = part;
    if (i) t.append(" · ");
    t.append(span);
  });
  return t;
}

function titled<T extends SVGElement>(element: T, title: string): T {
  const t = svg("title");
  t.textContent = title;
  element.prepend(t);
  return element;
}

export function arrowMarker(id: string): SVGMarkerElement {
  const marker = svg("marker", {
    id,
    viewBox: "0 0 10 10",
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    markerUnits: "userSpaceOnUse",
    orient: "auto-start-reverse",
    class: id,
  });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z" }));
  return marker;
}

export function drawItem(item: Item): SVGGElement {
  const g = svg("g", { transform: `translate(${item.x},${item.y})`, "data-id": item.id });
  if (item.type === "node") {
    const [name, detail] = nodeLabel(item.node);
    const room = item.width - TEXT_LEFT - 8;
    g.setAttribute("class", `arch-node kind-${item.kind}`);
    g.setAttribute("data-node", item.node.name);
    g.append(
      svg("rect", { class: "box", width: item.width, height: item.height, rx: 4 }),
      svg("rect", { class: "stripe", width: 4, height: item.height - 2, x: 1, y: 1, rx: 2 }),
      text(TEXT_LEFT, 17, fitText(name, NAME_FONT, room), "name"),
      text(TEXT_LEFT, 32, fitText(detail, DETAIL_FONT, room), "detail"),
    );
    const params = item.node.params ? `\n${item.node.params.toLocaleString()} parameters` : "";
    return titled(g, `${item.node.name}\n${detail}\n${item.node.target || item.node.op}${params}`);
  }
  const [title, detail] = groupLabel(item.group);
  if (item.type === "group") {
    g.setAttribute("class", "arch-group");
    g.setAttribute("data-group", item.group.path);
    g.setAttribute("data-expanded", "false");
    g.append(
      svg("rect", { class: "box", width: item.width, height: item.height, rx: 5 }),
      text(10, 16, title, "title"),
      detailText(10, 32, detail),
      text(item.width - 10, 17, "+", "toggle", "end"),
    );
    return titled(g, `${item.group.path}: ${item.group.size} ops. Click to expand.`);
  }
  g.setAttribute(
    "class",
    `arch-frame depth-${Math.min(item.group.depth, 4)}${item.continued ? " continued" : ""}${item.cut ? " cut" : ""}`,
  );
  g.append(svg("rect", { class: "box", width: item.width, height: item.height, rx: 6 }));
  return g;
}

/** An expanded group's header (drawn above the edges): its title and the collapse toggle. */
export function drawFrameHeader(item: Item): SVGGElement | null {
  if (item.type !== "frame") return null;
  const header = svg("g", {
    class: "frame-header",
    transform: `translate(${item.x},${item.y})`,
    "data-group": item.group.path,
    "data-expanded": "true",
  });
  if (item.continued) header.classList.add("continued");
  header.append(
    svg("rect", { class: "header", width: item.width, height: HEADER_HEIGHT, rx: 5 }),
    text(8, 16, frameTitle(item.group, item.width, item.continued), "title"),
    text(item.width - 8, 16, "−", "toggle", "end"),
  );
  return titled(header, `${item.group.path}: ${groupLabel(item.group)[1]}. Click to collapse.`);
}

export function drawEdge(edge: EdgeLine): SVGPathElement {
  const d = edge.points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("");
  const path = svg("path", {
    d,
    class: `arch-edge edge-${edge.kind}`,
    "data-source": edge.source,
    "data-target": edge.target,
    "marker-end": `url(#arrow-${edge.kind})`,
  });
  if (edge.count > 1) path.style.strokeWidth = String(Math.min(1.2 + 0.4 * (edge.count - 1), 3));
  return path;
}
