// Lays the visible graph out with ELK (layered, top to bottom). Expanded groups are compound
// nodes (INCLUDE_CHILDREN routes edges across them); collapsed groups are single boxes, and the
// edges between them are merged. Coordinates come back absolute (json.*Coords = ROOT). The
// layout does not depend on the panel: wrap.ts cuts it into columns that fit the panel.
import type { ELK as ElkEngine, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import type { GraphNode } from "../../api/types";
import { formatShape } from "../../ui/dom";
import { nodeDetail } from "../../ui/node-names";
import { groupId, nodeId, visibleOwner, type Group, type GroupTree } from "./groups";
import { opKind, type OpKind } from "./op-style";

/** An op box: two lines, its graph name, then op · module path · shape. */
export const NODE_HEIGHT = 40;
export const GROUP_HEIGHT = 40;
export const HEADER_HEIGHT = 24;
/** A frame's padding above its first member (the header) and below its last. */
export const FRAME_TOP = HEADER_HEIGHT + 8;
export const FRAME_BOTTOM = 10;
export const MONO_CHAR = 6.7; // px per character of the 11px monospace labels (frame titles)

// The label fonts, as architecture.css sets them (`.arch-node .name`, `.detail`, `.arch-group .title`):
// box widths are measured in them.
const MONO = 'ui-monospace, "SF Mono", Menlo, Consolas, monospace';
export const NAME_FONT = `600 12px ${MONO}`;
export const DETAIL_FONT = `11px ${MONO}`;
const TITLE_FONT = '600 12px system-ui, -apple-system, "Segoe UI", sans-serif';
/** Text inset of a box: after the kind stripe on the left, and on the right. */
export const TEXT_LEFT = 11;
const TEXT_RIGHT = 10;
const MIN_NODE_WIDTH = 150;
const MAX_NODE_WIDTH = 320;

let context: CanvasRenderingContext2D | null | undefined;
const CHAR_WIDTH: Record<string, number> = { [NAME_FONT]: 7.3, [DETAIL_FONT]: 6.7, [TITLE_FONT]: 7.2 };

/** The rendered width of `text` in `font` (a canvas measures it; estimated without one). */
export function textWidth(text: string, font: string): number {
  if (context === undefined)
    context = typeof document === "undefined" ? null : document.createElement("canvas").getContext("2d");
  if (!context) return text.length * (CHAR_WIDTH[font] ?? 7);
  context.font = font;
  return context.measureText(text).width;
}

/** `text`, shortened in the middle (`features.dense…layer4.conv1`) to fit `room` px. */
export function fitText(text: string, font: string, room: number): string {
  if (textWidth(text, font) <= room) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const keep = Math.ceil((lo + hi) / 2);
    const candidate = `${text.slice(0, Math.ceil(keep / 2))}…${text.slice(text.length - Math.floor(keep / 2))}`;
    if (textWidth(candidate, font) <= room) lo = keep;
    else hi = keep - 1;
  }
  return `${text.slice(0, Math.ceil(lo / 2))}…${text.slice(text.length - Math.floor(lo / 2))}`;
}

export interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Item =
  | (Box & { type: "node"; node: GraphNode; kind: OpKind })
  | (Box & { type: "group"; group: Group }) // collapsed: one box
  // Expanded: a frame around its members. Cut into columns (wrap.ts), a frame has one part per
  // column: `continued` parts carry on one above (their header says so), `cut` ones below.
  | (Box & { type: "frame"; group: Group; continued?: boolean; cut?: boolean });

export interface EdgeLine {
  id: string;
  source: string;
  target: string;
  kind: "plain" | "add" | "cat";
  /** How many graph edges this line stands for (merged edges between groups). */
  count: number;
  points: { x: number; y: number }[];
}

export interface Layout {
  width: number;
  height: number;
  /** Frames first (outer before inner), then boxes: the drawing order. */
  items: Item[];
  edges: EdgeLine[];
  /** Columns the graph is cut into (wrap.ts): 1 as ELK lays it out. */
  columns: number;
  milliseconds: number;
}

/** An op box's two lines: its graph name (`features_14`), then `conv2d · features.14 · 128×8×8`. */
export const nodeLabel = (node: GraphNode): [string, string] => [node.name, nodeDetail(node)];

export function groupLabel(group: Group): [string, string] {
  const parts = [`${group.size} ops`];
  if (group.merges.add) parts.push(`${group.merges.add} add`);
  if (group.merges.cat) parts.push(`${group.merges.cat} cat`);
  if (group.last) parts.push(formatShape(group.last.shape));
  return [group.path, parts.join(" · ")];
}

function nodeWidth(node: GraphNode): number {
  const [name, detail] = nodeLabel(node);
  return Math.ceil(TEXT_LEFT + TEXT_RIGHT + Math.max(textWidth(name, NAME_FONT), textWidth(detail, DETAIL_FONT)));
}

function groupWidth(group: Group): number {
  const [title, detail] = groupLabel(group);
  return Math.ceil(
    Math.max(textWidth(title, TITLE_FONT) + 28, textWidth(detail, DETAIL_FONT) + TEXT_LEFT + TEXT_RIGHT),
  );
}

const ROOT_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.json.edgeCoords": "ROOT",
  "elk.json.shapeCoords": "ROOT",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.layered.nodePlacement.bk.fixedAlignment": "BALANCED",
  "elk.layered.spacing.nodeNodeBetweenLayers": "18",
  "elk.layered.spacing.edgeNodeBetweenLayers": "10",
  "elk.spacing.nodeNode": "16",
  "elk.spacing.edgeNode": "10",
  "elk.spacing.edgeEdge": "6",
  "elk.padding": "[top=12,left=12,bottom=12,right=12]",
};

// (ELK ignores a compound node's minimum size under INCLUDE_CHILDREN: the title fits itself.)
const FRAME_OPTIONS: Record<string, string> = {
  "elk.padding": `[top=${FRAME_TOP},left=10,bottom=${FRAME_BOTTOM},right=10]`,
};

/**
 * The longest title that fits a frame `width` wide: full path, then the path below its parent;
 * a frame continued from the column before says so (`layer1 (cont.)`).
 */
export function frameTitle(group: Group, width: number, continued = false): string {
  const room = Math.floor((width - 30) / MONO_CHAR);
  const parent = group.parent?.path;
  const short = parent ? group.path.slice(parent.length + 1) : group.path;
  const ops = continued ? " (cont.)" : ` · ${group.size} ops`;
  const fits = [group.path + ops, group.path, short + ops, short].find((t) => t.length <= room);
  return fits ?? `${short.slice(0, Math.max(1, room - 1))}…`;
}

// ELK (1.4 MB) is loaded on first use, in its own chunk, so other sections boot without it.
let engine: Promise<ElkEngine> | null = null;
const elk = (): Promise<ElkEngine> => {
  engine ??= import("elkjs/lib/elk.bundled.js").then(({ default: ELK }) => new ELK());
  return engine;
};

export async function layoutGraph(
  nodes: readonly GraphNode[],
  tree: GroupTree,
  expanded: ReadonlySet<string>,
): Promise<Layout> {
  const layered = await elk(); // not timed: the first call loads the chunk
  const started = performance.now();
  // One width for every op box and one for every group box: a calm, even column, as wide as
  // the longest label needs (a longer one is shortened in the middle; its tooltip has it all).
  const opWidth = Math.min(MAX_NODE_WIDTH, Math.max(MIN_NODE_WIDTH, ...nodes.map(nodeWidth)));
  const boxWidth = Math.min(MAX_NODE_WIDTH, Math.max(MIN_NODE_WIDTH, ...[...tree.groups.values()].map(groupWidth)));
  const byId = new Map<string, Item>();
  const position = new Map(nodes.map((node, i) => [node.name, i]));
  const first = (group: Group): number =>
    Math.min(...group.nodes.map((n) => position.get(n.name) ?? 0), ...group.children.map(first));

  const build = (group: Group): ElkNode[] => {
    // Children in execution order: a member node, or a subgroup at its first node.
    const children: ElkNode[] = [];
    const order: [number, ElkNode][] = [];
    for (const node of group.nodes) {
      const id = nodeId(node.name);
      const box = { id, width: opWidth, height: NODE_HEIGHT };
      byId.set(id, { ...box, x: 0, y: 0, type: "node", node, kind: opKind(node.op) });
      order.push([position.get(node.name) ?? 0, box]);
    }
    for (const sub of group.children) {
      const id = groupId(sub.path);
      const at = first(sub);
      if (expanded.has(sub.path)) {
        const frame: ElkNode = { id, layoutOptions: FRAME_OPTIONS, children: build(sub) };
        byId.set(id, { id, x: 0, y: 0, width: 0, height: 0, type: "frame", group: sub });
        order.push([at, frame]);
      } else {
        const box = { id, width: Math.max(boxWidth, opWidth), height: GROUP_HEIGHT };
        byId.set(id, { ...box, x: 0, y: 0, type: "group", group: sub });
        order.push([at, box]);
      }
    }
    order.sort((a, b) => a[0] - b[0]);
    for (const [, child] of order) children.push(child);
    return children;
  };

  const edges = new Map<string, EdgeLine>();
  for (const node of nodes) {
    const target = visibleOwner(tree, expanded, node.name);
    const kind = opKind(node.op);
    const edgeKind = target === nodeId(node.name) && (kind === "add" || kind === "cat") ? kind : "plain";
    for (const input of node.inputs) {
      const source = visibleOwner(tree, expanded, input);
      if (source === target) continue;
      const key = `${source}->${target}`;
      const line = edges.get(key);
      if (line) line.count += 1;
      else edges.set(key, { id: `e${edges.size}`, source, target, kind: edgeKind, count: 1, points: [] });
    }
  }

  const graph: ElkNode = {
    id: "root",
    layoutOptions: ROOT_OPTIONS,
    children: build(tree.root),
    edges: [...edges.values()].map((e): ElkExtendedEdge => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const result = await layered.layout(graph);

  const items: Item[] = [];
  const visit = (elkNode: ElkNode): void => {
    const item = byId.get(elkNode.id);
    if (item) {
      Object.assign(item, {
        x: elkNode.x ?? 0,
        y: elkNode.y ?? 0,
        width: elkNode.width ?? 0,
        height: elkNode.height ?? 0,
      });
      items.push(item);
    }
    for (const child of elkNode.children ?? []) visit(child);
  };
  for (const child of result.children ?? []) visit(child);
  items.sort((a, b) => rank(a) - rank(b));

  const lines = new Map([...edges.values()].map((e) => [e.id, e]));
  for (const edge of result.edges ?? []) {
    const line = lines.get(edge.id);
    const points = line?.points;
    if (!points) continue;
    for (const section of (edge as ElkExtendedEdge).sections ?? []) {
      points.push(section.startPoint, ...(section.bendPoints ?? []), section.endPoint);
    }
  }
  return {
    width: result.width ?? 0,
    height: result.height ?? 0,
    items,
    edges: [...lines.values()].filter((e) => e.points.length >= 2),
    columns: 1,
    milliseconds: performance.now() - started,
  };
}

// Frames by depth (outer first, so inner frames paint on top), then boxes.
function rank(item: Item): number {
  return item.type === "frame" ? item.group.depth : 1000;
}
