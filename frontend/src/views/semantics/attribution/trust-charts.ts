// The two charts of one image's check: how similar the map stays to the original as the model
// is randomised step by step, and the faithfulness curves (the class's probability as pixels
// are removed or inserted in the map's order), each with its legend.
import type { Curve, Faithfulness, RandomizationResult } from "../../../api/trust";
import { el } from "../../../ui/dom";
import { lineChart, type ChartSeries } from "../../../ui/line-chart";

const WIDTH = 420;
const HEIGHT = 200;

const MAX_LAYER_TICKS = 16;

/** The step between labelled ticks so that at most MAX_LAYER_TICKS carry a name. */
export function tickEvery(count: number): number {
  return Math.max(1, Math.ceil(count / MAX_LAYER_TICKS));
}

/** Spearman and SSIM with the original, from the original itself (1) through every step. */
export function correlationChart(result: RandomizationResult): HTMLElement {
  const steps = result.layers.length;
  const x = Array.from({ length: steps + 1 }, (_, i) => i);
  const spearman = [1, ...result.spearman];
  const ssim = [1, ...result.ssim];
  const low = Math.min(...spearman, ...ssim) < 0 ? -1 : 0;
  const rules = [{ y: result.threshold, className: "tr-threshold", label: `threshold ${result.threshold}` }];
  if (low < 0) rules.push({ y: -result.threshold, className: "tr-threshold", label: `−${result.threshold}` });
  const chart = lineChart({
    id: "trust-correlation",
    label: "similarity of the map to the original after each randomisation step",
    width: WIDTH,
    height: HEIGHT,
    x: {
      min: 0,
      max: Math.max(1, steps),
      // A deep model has dozens of steps: every k-th name (and the last) stays readable; the
      // strip above names each step.
      ticks: x
        .filter((i) => i % tickEvery(steps + 1) === 0 || i === steps)
        .map((i) => ({ at: i, label: i === 0 ? "original" : (result.layers[i - 1] ?? String(i)) })),
      title: "layers randomised, from the logits down",
    },
    y: { min: low, max: 1, ticks: low < 0 ? [-1, -0.5, 0, 0.5, 1] : [0, 0.25, 0.5, 0.75, 1], title: "similarity" },
    series: [
      { name: "Spearman rank correlation", className: "tr-s-spearman", x, y: spearman, points: true },
      { name: "SSIM", className: "tr-s-ssim", x, y: ssim, points: true },
    ],
    rules,
  });
  const legend = el(
    "div",
    { class: "tr-legend" },
    key("tr-s-spearman", "Spearman ρ", "rank correlation of |map| with the original's (the check's measure)"),
    key("tr-s-ssim", "SSIM", "structural similarity of the two maps"),
  );
  return el("div", { class: "tr-chart" }, legend, chart);
}

interface CurveInfo {
  name: string;
  className: string;
  about: string;
}

const CURVES: Record<string, CurveInfo> = {
  deletion: { name: "Deletion", className: "tr-c-deletion", about: "the most important pixels removed first" },
  insertion: {
    name: "Insertion",
    className: "tr-c-insertion",
    about: "the most important pixels inserted first into a blurred image",
  },
  road_morf: {
    name: "ROAD MoRF",
    className: "tr-c-morf",
    about: "most relevant first, removed by noisy linear imputation (no tell-tale holes)",
  },
  road_lerf: {
    name: "ROAD LeRF",
    className: "tr-c-lerf",
    about: "least relevant first, removed by noisy linear imputation",
  },
};

const arrow = (curve: Curve): string => (curve.lower_is_faithful ? "↓" : "↑");

/** Deletion, insertion and the two ROAD curves, the legend with each area, and max-sensitivity. */
export function curvesChart(result: Faithfulness): HTMLElement {
  const entries = Object.entries(result.curves);
  const series: ChartSeries[] = entries.map(([metric, curve]) => ({
    name: CURVES[metric]?.name ?? metric,
    className: `tr-curve ${CURVES[metric]?.className ?? ""}`,
    x: curve.fractions,
    y: curve.probabilities,
  }));
  const chart = lineChart({
    id: "trust-curves",
    label: "the class's probability as pixels are removed in the map's order",
    width: WIDTH,
    height: HEIGHT,
    x: {
      min: 0,
      max: 1,
      ticks: [0, 0.25, 0.5, 0.75, 1].map((at) => ({ at, label: `${at * 100}%` })),
      title: "fraction of pixels removed (inserted, for insertion)",
    },
    y: { min: 0, max: 1, ticks: [0, 0.5, 1], title: "probability" },
    series,
  });
  const legend = el(
    "div",
    { class: "tr-legend", id: "trust-curves-legend" },
    ...entries.map(([metric, curve]) => {
      const info = CURVES[metric];
      const way = curve.lower_is_faithful ? "lower" : "higher";
      return key(
        info?.className ?? "",
        `${info?.name ?? metric} ${arrow(curve)} ${curve.area.toFixed(3)}`,
        `${info?.about ?? metric}; area = mean probability along the curve, ${way} is more faithful`,
      );
    }),
  );
  const sensitivity = el(
    "p",
    { class: "tr-sensitivity", id: "trust-sensitivity" },
    "Max-sensitivity ↓ ",
    el("strong", {}, result.max_sensitivity.toFixed(3)),
    el("span", { class: "muted" }, " — the largest relative change of the map under small noise on the image"),
  );
  return el("div", { class: "tr-chart" }, legend, chart, sensitivity);
}

function key(className: string, label: string, title: string): HTMLElement {
  return el(
    "span",
    { class: `tr-key ${className}`, title },
    el("span", { class: "tr-swatch", "aria-hidden": "true" }),
    label,
  );
}
