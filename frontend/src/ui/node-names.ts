// How a graph node is named, the same way in every view: by its graph name (`features_14`, the
// name the API and every dropdown use), then its op and module path (`conv2d · features.14`),
// then its output shape. Layer positions in a projection are 0-based, as in the paper's
// "layers 0, 11 and 17".
import type { GraphNode } from "../api/types";
import { formatShape } from "./dom";

/** Op and module path: `conv2d · features.14` (the op alone where the node has no module). */
export function nodeKind(node: GraphNode): string {
  return node.module_path && node.module_path !== node.name ? `${node.op} · ${node.module_path}` : node.op;
}

/** Op, module path and output shape: `conv2d · features.14 · 64×8×8` (a graph box's second line). */
export function nodeDetail(node: GraphNode): string {
  return `${nodeKind(node)} · ${formatShape(node.shape)}`;
}

/** One line for a dropdown or a caption: `features_14 · conv2d · features.14 · 64×8×8`. */
export function nodeOptionText(node: GraphNode): string {
  return `${node.name} · ${nodeDetail(node)}`;
}

/** A projection layer: `layer 3 of 19` (0-based, as the slider). */
export function layerPosition(layer: number, count: number): string {
  return `layer ${layer} of 0–${Math.max(0, count - 1)}`;
}
