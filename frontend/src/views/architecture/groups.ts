// Collapsible groups by module path. A node belongs to the module that owns it: a module call
// (`layer1.0.conv1`) to its parent module (`layer1.0`), a functional op to the module whose
// forward calls it. Every module path owning two or more nodes (directly or below) is a group;
// a group holding exactly the nodes of its parent group is skipped. The root ("") is no group.
import type { GraphNode } from "../../api/types";
import { opKind } from "./op-style";

export interface Group {
  path: string;
  parent: Group | null;
  depth: number;
  children: Group[];
  /** Nodes whose innermost group is this one, in execution order. */
  nodes: GraphNode[];
  /** Every node inside, at any depth. */
  size: number;
  merges: { add: number; cat: number };
  /** The last node in execution order: its output is the group's output. */
  last: GraphNode | null;
}

export interface GroupTree {
  root: Group;
  groups: Map<string, Group>;
  /** Innermost group of each node (the root when none). */
  groupOf: Map<string, Group>;
}

// Functional targets are dotted names (`torch.nn.functional.relu`, `_operator.add`,
// `Tensor.view`); module calls carry the module's repr (`Conv2d(3, 64, ...)`, `Sequential`).
const FUNCTION_TARGET = /^[A-Za-z_][\w]*(\.[\w<>]+)+$/;

export function ownerPath(node: GraphNode): string {
  if (!node.module_path || node.op === "input") return node.module_path;
  if (node.target && FUNCTION_TARGET.test(node.target)) return node.module_path;
  const cut = node.module_path.lastIndexOf(".");
  return cut < 0 ? "" : node.module_path.slice(0, cut);
}

function prefixes(path: string): string[] {
  if (!path) return [];
  const parts = path.split(".");
  return parts.map((_, i) => parts.slice(0, i + 1).join("."));
}

export function buildGroups(nodes: readonly GraphNode[]): GroupTree {
  const counts = new Map<string, number>();
  const owners = new Map<string, string[]>();
  for (const node of nodes) {
    const chain = prefixes(ownerPath(node));
    owners.set(node.name, chain);
    for (const prefix of chain) counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  const root: Group = {
    path: "",
    parent: null,
    depth: 0,
    children: [],
    nodes: [],
    size: nodes.length,
    merges: { add: 0, cat: 0 },
    last: null,
  };
  const groups = new Map<string, Group>();
  const groupOf = new Map<string, Group>();
  for (const node of nodes) {
    let parent = root;
    for (const prefix of owners.get(node.name) ?? []) {
      const size = counts.get(prefix) ?? 0;
      if (size < 2 || size === parent.size) continue; // a single node, or the same set as its parent
      let group = groups.get(prefix);
      if (!group) {
        group = {
          path: prefix,
          parent,
          depth: parent.depth + 1,
          children: [],
          nodes: [],
          size,
          merges: { add: 0, cat: 0 },
          last: null,
        };
        groups.set(prefix, group);
        parent.children.push(group);
      }
      parent = group;
    }
    parent.nodes.push(node);
    groupOf.set(node.name, parent);
    const kind = opKind(node.op);
    for (let g: Group | null = parent; g; g = g.parent) {
      g.last = node;
      if (kind === "add" || kind === "cat") g.merges[kind] += 1;
    }
  }
  return { root, groups, groupOf };
}

/**
 * The groups expanded at first: none collapsed for a small graph; otherwise walk down from the
 * root while a level holds a single group (expanding it), and collapse the first level with
 * more than one group (`layer1`, `layer2`, ... or `features.denseblock1`, ...).
 */
export function initialExpanded(tree: GroupTree, nodeCount: number, threshold = 60): Set<string> {
  if (nodeCount <= threshold) return new Set(tree.groups.keys());
  const expanded = new Set<string>();
  let level = tree.root.children;
  while (level.length === 1 && level[0]) {
    expanded.add(level[0].path);
    level = level[0].children;
  }
  return expanded;
}

/** The groups that must be expanded for `name` to be visible. */
export function ancestorsOf(tree: GroupTree, name: string): string[] {
  const paths: string[] = [];
  for (let g = tree.groupOf.get(name) ?? null; g && g !== tree.root; g = g.parent) paths.push(g.path);
  return paths;
}

/** What stands for a node on screen: itself, or its outermost collapsed group. */
export function visibleOwner(tree: GroupTree, expanded: ReadonlySet<string>, name: string): string {
  let owner = nodeId(name);
  for (let g = tree.groupOf.get(name) ?? null; g && g !== tree.root; g = g.parent) {
    if (!expanded.has(g.path)) owner = groupId(g.path);
  }
  return owner;
}

export const groupId = (path: string): string => `g:${path}`;
export const nodeId = (name: string): string => `n:${name}`;
