// How far each layer's weights moved from A to B, ‖θ_B − θ_A‖ / ‖θ_A‖ over the layer's own
// parameters, as bars in graph order (the longest bar: the layer that changed most).
import { el, formatPercent } from "../../ui/dom";
import type { WeightChange } from "./changes-api";

export function createWeightChangeBars(change: WeightChange): HTMLElement {
  const largest = Math.max(1e-12, ...change.layers.map((layer) => layer.relative));
  const most = change.layers.reduce(
    (best, layer) => (layer.relative > (best?.relative ?? -1) ? layer : best),
    change.layers[0],
  );
  return el(
    "div",
    { id: "weight-change", class: "wc-bars", role: "list" },
    ...change.layers.map((layer) =>
      el(
        "div",
        {
          class: `wc-bar-row${layer === most ? " most" : ""}`,
          role: "listitem",
          "data-node": layer.node,
          "data-relative": String(layer.relative),
          title: `${layer.node} (${layer.module_path}): ${layer.params.toLocaleString()} parameters; ‖θB − θA‖ = ${layer.absolute.toPrecision(3)}, ${formatPercent(layer.relative, 1)} of ‖θA‖`,
        },
        el("span", { class: "wc-bar-name" }, layer.node),
        el(
          "span",
          { class: "wc-bar-track" },
          el("span", { class: "wc-bar", style: `width:${(layer.relative / largest) * 100}%` }),
        ),
        el("span", { class: "wc-bar-value" }, formatPercent(layer.relative, 1)),
      ),
    ),
  );
}
