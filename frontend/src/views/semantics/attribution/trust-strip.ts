// The randomisation strip: the original map, then the map after each step of randomising the
// model from the logits down, drawn like the method cards (same colour maps). Each frame is
// scaled on its own: randomised weights change a map's range, and what the check asks is
// whether its pattern survives.
import { el } from "../../../ui/dom";
import type { RandomizationMaps, RandomizationResult } from "../../../api/trust";
import type { AttributionMap } from "./attribution-api";
import { paintOverlay } from "./heatmap";

const FRAME_SIZE = 76;
const OPACITY = 0.85;

/** The colour scale's end of one frame: the 99th percentile of |value|, as the server clips a map. */
export function frameClip(values: Float32Array): number {
  if (values.length === 0) return 0;
  const magnitudes = Float32Array.from(values, Math.abs).sort();
  return magnitudes[Math.floor(0.99 * (magnitudes.length - 1))] ?? 0;
}

export function randomizationStrip(
  result: RandomizationResult,
  maps: RandomizationMaps,
  image: HTMLImageElement | null,
): HTMLElement {
  const size = maps.height * maps.width;
  const frames = Array.from({ length: maps.count }, (_, i) => {
    const values = maps.values.subarray(i * size, (i + 1) * size);
    const map: AttributionMap = {
      method: result.method,
      values,
      height: maps.height,
      width: maps.width,
      target: result.target,
      node: result.node,
      signed: result.signed,
      clip: frameClip(values),
    };
    const canvas = el("canvas", { class: "tr-frame-canvas" });
    paintOverlay(canvas, image, map, OPACITY, FRAME_SIZE);
    const layer = i === 0 ? null : (result.layers[i - 1] ?? `step ${i}`);
    // Cascading keeps the earlier layers random; independent randomises this layer alone.
    const alone = result.order === "independent";
    const rho = i === 0 ? null : result.spearman[i - 1];
    return el(
      "figure",
      {
        class: "tr-frame",
        "data-step": String(i),
        title: layer ? `the map after randomising ${layer}${alone ? " alone" : " too"}` : "the map",
      },
      canvas,
      el(
        "figcaption",
        {},
        el("span", { class: "tr-frame-label" }, layer ? `${alone ? "only" : "after"} ${layer}` : "original"),
        el("span", { class: "tr-frame-rho" }, rho === null || rho === undefined ? "ρ 1" : `ρ ${rho.toFixed(2)}`),
      ),
    );
  });
  return el("div", { class: "tr-strip", id: "trust-strip" }, ...frames);
}
