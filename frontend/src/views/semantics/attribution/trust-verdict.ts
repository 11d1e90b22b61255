// The randomisation check in one plain sentence: a map that survives randomising the weights
// cannot be explaining what the model learned (Adebayo et al., 2018).
import type { RandomizationResult } from "../../../api/trust";

export function randomizationVerdict(
  result: Pick<RandomizationResult, "passed" | "defined" | "final_similarity" | "threshold" | "order" | "layers">,
  control = false,
): { text: string; ok: boolean } {
  if (!result.defined)
    return {
      text: "No randomisation verdict: the map is the same value everywhere, so there is nothing to compare.",
      ok: false,
    };
  const rho = result.final_similarity.toFixed(2);
  const last = result.layers[result.layers.length - 1] ?? "the last layer";
  const after = result.order === "cascading" ? "after randomising every layer" : `after randomising ${last} alone`;
  const measure = `rank correlation ${rho} with the original map ${after} (threshold ${result.threshold})`;
  const text = result.passed
    ? `Passes the randomisation check: ${measure}; the map depends on the learned weights.`
    : `Fails the randomisation check: ${measure}; the map barely depends on the weights, so it cannot show what the model learned.`;
  return {
    text: control ? `${text} (A model-free control: a reference, not an explanation.)` : text,
    ok: result.passed,
  };
}
