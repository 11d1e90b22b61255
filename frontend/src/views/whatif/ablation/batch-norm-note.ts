// Zero is not "off" before a batch norm: at inference BN maps a zeroed channel to the constant
// β − γμ/√(σ²+ε), not to 0. When the picked node feeds a batch norm, say so next to the picker
// and offer the node after it where zero does mean off (the activation after the BN, else the
// BN's own output), or the dataset-mean mode, which is fine where it is.
import type { GraphNode } from "../../../api/types";
import { el } from "../../../ui/dom";
import { nodeOptionText } from "../../../ui/node-names";

// Activations that map 0 to 0: after one of these, a channel at 0 is silent.
const ZERO_KEEPING = new Set([
  "relu",
  "relu6",
  "leaky_relu",
  "prelu",
  "rrelu",
  "elu",
  "selu",
  "celu",
  "gelu",
  "silu",
  "mish",
  "hardswish",
  "hardtanh",
  "tanh",
  "softsign",
  "tanhshrink",
  "hardshrink",
  "softshrink",
]);

/** Each node's users (the nodes that take it as an input), from the graph's `inputs` lists. */
export function usersOf(nodes: readonly GraphNode[]): Map<string, GraphNode[]> {
  const users = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    for (const input of node.inputs) users.set(input, [...(users.get(input) ?? []), node]);
  }
  return users;
}

export interface BatchNormAdvice {
  /** The batch norm the picked node feeds. */
  norm: GraphNode;
  /** Where to ablate instead: the activation after the batch norm, else its output. */
  target: GraphNode;
}

/** Advice for ablating `node`, or null where zero already means off there. */
export function batchNormAdvice(
  node: string,
  users: ReadonlyMap<string, readonly GraphNode[]>,
): BatchNormAdvice | null {
  const norm = (users.get(node) ?? []).find((user) => user.op === "batch_norm");
  if (!norm) return null;
  const after = users.get(norm.name) ?? [];
  const activation = after.length === 1 && after[0] && ZERO_KEEPING.has(after[0].op) ? after[0] : null;
  return { norm, target: activation ?? norm };
}

export interface BatchNormNote {
  readonly element: HTMLElement;
  /** Show the note for this node and mode (hidden where zero means off, or in mean mode). */
  show(node: string, mode: "zero" | "mean"): void;
}

export function createBatchNormNote(
  nodes: readonly GraphNode[],
  actions: { useNode(target: string): void; useMean(): void },
): BatchNormNote {
  const users = usersOf(nodes);
  const text = el("p", {});
  const switchButton = el("button", { id: "ablation-bn-switch", class: "primary" });
  const meanButton = el(
    "button",
    { id: "ablation-bn-mean", title: "Replace the channels by their dataset mean instead: fine before a batch norm" },
    "use dataset mean",
  );
  const element = el(
    "div",
    { class: "ab-note", id: "ablation-bn-note", role: "note", hidden: "" },
    text,
    el("div", { class: "ab-note-buttons" }, switchButton, meanButton),
  );
  let target = "";
  switchButton.onclick = () => actions.useNode(target);
  meanButton.onclick = () => actions.useMean();

  return {
    element,
    show(node, mode) {
      const advice = mode === "zero" ? batchNormAdvice(node, users) : null;
      element.hidden = advice === null;
      if (!advice) return;
      target = advice.target.name;
      const where =
        advice.target === advice.norm ? "the batch norm's output" : `the ${advice.target.op} after the batch norm`;
      text.replaceChildren(
        el("strong", {}, `${node} feeds a batch norm (${advice.norm.name}): here, 0 is not off.`),
        ` The batch norm turns a channel set to 0 into its own constant, β − γμ/√(σ²+ε), and the layers after it still see that. Switch channels off at ${where}, where 0 is off, or set them to their dataset mean.`,
      );
      switchButton.textContent = `Ablate at ${advice.target.name} instead`;
      switchButton.title = nodeOptionText(advice.target);
    },
  };
}
