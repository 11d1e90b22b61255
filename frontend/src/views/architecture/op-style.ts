// How an op looks in the graph: a category per op name, each with one colour (Okabe-Ito).
// Skip connections (add) and concatenations (cat) get strong colours, and so do their edges.

export type OpKind = "input" | "conv" | "linear" | "norm" | "act" | "pool" | "add" | "cat" | "shape" | "other";

const PATTERNS: [OpKind, RegExp][] = [
  ["input", /^(input|placeholder)$/],
  ["add", /^(add|iadd)$/],
  ["cat", /^(cat|concat|concatenate|stack)$/],
  ["conv", /conv/],
  ["linear", /^(linear|matmul|bmm|mm|addmm|einsum|bilinear)$/],
  ["norm", /norm/],
  ["pool", /pool/],
  ["act", /(relu|gelu|silu|swish|sigmoid|tanh|softmax|elu|hardswish|hardtanh|mish|prelu|selu|softplus|dropout)/],
  [
    "shape",
    /^(view|reshape|flatten|permute|transpose|squeeze|unsqueeze|contiguous|getitem|chunk|split|size|expand|output)$/,
  ],
];

export function opKind(op: string): OpKind {
  const name = op.toLowerCase();
  for (const [kind, pattern] of PATTERNS) if (pattern.test(name)) return kind;
  return "other";
}

/** Legend entries shown above the graph (label, kind). */
export const LEGEND: [string, OpKind][] = [
  ["conv", "conv"],
  ["linear", "linear"],
  ["norm", "norm"],
  ["activation", "act"],
  ["pool", "pool"],
  ["add (skip)", "add"],
  ["cat", "cat"],
];

/** Edges into these kinds are drawn in the kind's colour. */
export function isMergeKind(kind: OpKind): kind is "add" | "cat" {
  return kind === "add" || kind === "cat";
}
