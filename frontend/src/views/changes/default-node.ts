// The layer a training animation or the feature maps open on: the last convolution or pooling
// (where the classes have separated most, before the classifier's own layers), else the last
// layer offered.
import type { GraphNode } from "../../api/types";

const CONV_OR_POOL = /conv|pool/i;

/** The last of `candidates` (graph order) whose op is a convolution or pooling; else the last one;
 * null for none. */
export function lateConvNode(
  candidates: readonly string[],
  nodes: readonly Pick<GraphNode, "name" | "op">[],
): string | null {
  const ops = new Map(nodes.map((node) => [node.name, node.op]));
  const convs = candidates.filter((name) => CONV_OR_POOL.test(ops.get(name) ?? ""));
  return convs.at(-1) ?? candidates.at(-1) ?? null;
}

/** Classes the user probably wants first: cat and dog where they exist (the reference figure),
 * else the first two. */
export function defaultClasses(names: readonly string[]): number[] {
  const found = ["cat", "dog"].map((name) => names.findIndex((n) => n.toLowerCase() === name)).filter((i) => i >= 0);
  return found.length === 2 ? found : names.slice(0, 2).map((_, i) => i);
}
