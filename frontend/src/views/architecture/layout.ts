// Lays the visible graph out with ELK (layered, top to bottom). Expanded groups are compound
// nodes (INCLUDE_CHILDREN routes edges across them); collapsed groups are single boxes, and the
// edges between them are merged. Coordinates come back absolute (json.*Coords = ROOT).
import type { ELK as ElkEngine, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import type { GraphNode } from "../../api/types";
import { formatShape } from "../../ui/dom";
import { groupId, nodeId, visibleOwner, type Group, type GroupTree } from "./groups";
import { opKind, type OpKind } from "./op-style";

export const NODE_HEIGHT = 24;
export const GROUP_HEIGHT = 40;
export const HEADER_HEIGHT = 24;
export const MONO_CHAR = 6.7; // px per character of the 11px monospace labels
const SANS_CHAR = 7.2; // px per character of the 12px bold group titles

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
  | (Box & { type: "frame"; group: Group }); // expanded: a frame around its members

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
  milliseconds: number;
}

export const nodeLabel = (node: GraphNode): [string, string] => [node.op, formatShape(node.shape)];

export function groupLabel(group: Group): [string, string] {
  const parts = [`${group.size} ops`];
  if (group.merges.add) parts.push(`${group.merges.add} add`);
  if (group.merges.cat) parts.push(`${group.merges.cat} cat`);
  if (group.last) parts.push(formatShape(group.last.shape));
  return [group.path, parts.join(" · ")];
}

function nodeWidth(node: GraphNode): number {
  const [op, shape] = nodeLabel(node);
  return Math.max(136, Math.ceil(20 + (op.length + shape.length + 2) * MONO_CHAR));
}

function groupWidth(group: Group): number {
  const [title, detail] = groupLabel(group);
  return Math.max(168, Math.ceil(Math.max(title.length * SANS_CHAR + 28, detail.length * MONO_CHAR + 20)));
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
  "elk.padding": `[top=${HEADER_HEIGHT + 8},left=10,bottom=10,right=10]`,
};

/** The longest title that fits a frame `width` wide: full path, then the path below its parent. */
export function frameTitle(group: Group, width: number): string {
  const room = Math.floor((width - 30) / MONO_CHAR);
  const parent = group.parent?.path;
  const short = parent ? group.path.slice(parent.length + 1) : group.path;
  const ops = ` · ${group.size} ops`;
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
  // One width for every op box and one for every group box: a calm, even column.
  const opWidth = Math.min(260, Math.max(...nodes.map(nodeWidth)));
  const boxWidth = Math.min(300, Math.max(0, ...[...tree.groups.values()].map(groupWidth)));
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
      Object.assign(item, { x: elkNode.x ?? 0, y: elkNode.y ?? 0, width: elkNode.width ?? 0, height: elkNode.height ?? 0 });
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
    milliseconds: performance.now() - started,
  };
}

// Frames by depth (outer first, so inner frames paint on top), then boxes.
function rank(item: Item): number {
  return item.type === "frame" ? item.group.depth : 1000;
}
