// A small SVG line chart at a fixed pixel size (so its text stays readable at any width):
// series over a numeric x axis, y grid lines with their values, dashed reference lines, axis
// titles. Colours and dashes come from each series' CSS class; the caller builds the legend.
import "./line-chart.css";
import { svg } from "./dom";

export interface ChartSeries {
  name: string;
  className: string;
  x: readonly number[];
  y: readonly number[];
  /** Draw a dot at each value (for few, categorical points), with the value in its tooltip. */
  points?: boolean;
}

export interface ChartRule {
  y: number;
  className: string;
  label: string;
}

export interface ChartTick {
  at: number;
  label: string;
}

export interface ChartSpec {
  id: string;
  label: string;
  width: number;
  height: number;
  x: { min: number; max: number; ticks: readonly ChartTick[]; title: string };
  y: { min: number; max: number; ticks: readonly number[]; title: string };
  series: readonly ChartSeries[];
  rules?: readonly ChartRule[];
}

const CHAR_W = 6; // about the width of a 10 px character
const MAX_LABEL = 14;

const shorten = (text: string): string => (text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text);
const tickText = (v: number): string => (Math.abs(v) < 1e-9 ? "0" : String(Number(v.toFixed(2))));

function text(x: number, y: number, value: string, className: string, extra: Record<string, string | number> = {}) {
  const node = svg("text", { x, y, class: className, ...extra });
  node.textContent = value;
  return node;
}

export function lineChart(spec: ChartSpec): SVGSVGElement {
  const { width, height } = spec;
  const spacing = spec.x.ticks.length > 1 ? (width - 60) / (spec.x.ticks.length - 1) : width;
  const longest = Math.max(0, ...spec.x.ticks.map((t) => shorten(t.label).length));
  // Labels wider than their share of the axis are turned, so that neighbours never overlap.
  const turned = longest * CHAR_W > spacing - 6;
  const pad = { left: 46, right: 14, top: 10, bottom: (turned ? 10 + Math.min(longest, MAX_LABEL) * 3.6 : 20) + 16 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const sx = (v: number): number =>
    pad.left + (spec.x.max > spec.x.min ? ((v - spec.x.min) / (spec.x.max - spec.x.min)) * plotW : plotW / 2);
  const sy = (v: number): number => {
    const clamped = Math.min(spec.y.max, Math.max(spec.y.min, v));
    return pad.top + ((spec.y.max - clamped) / (spec.y.max - spec.y.min || 1)) * plotH;
  };

  const chart = svg("svg", {
    id: spec.id,
    class: "lc-chart",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": spec.label,
  });
  for (const v of spec.y.ticks) {
    chart.append(svg("line", { x1: pad.left, x2: pad.left + plotW, y1: sy(v), y2: sy(v), class: "lc-grid" }));
    chart.append(text(pad.left - 5, sy(v) + 3, tickText(v), "lc-tick", { "text-anchor": "end" }));
  }
  for (const tick of spec.x.ticks) {
    const x = sx(tick.at);
    const y = pad.top + plotH + 13;
    const label = turned
      ? text(x, y - 4, shorten(tick.label), "lc-tick", { "text-anchor": "end", transform: `rotate(-35 ${x} ${y - 4})` })
      : text(x, y, shorten(tick.label), "lc-tick", { "text-anchor": "middle" });
    const title = svg("title", {});
    title.textContent = tick.label;
    label.append(title);
    chart.append(svg("line", { x1: x, x2: x, y1: pad.top + plotH, y2: pad.top + plotH + 3, class: "lc-axis" }), label);
  }
  chart.append(
    svg("line", { x1: pad.left, x2: pad.left + plotW, y1: pad.top + plotH, y2: pad.top + plotH, class: "lc-axis" }),
    text(pad.left + plotW / 2, height - 4, spec.x.title, "lc-title", { "text-anchor": "middle" }),
    text(12, pad.top + plotH / 2, spec.y.title, "lc-title", {
      "text-anchor": "middle",
      transform: `rotate(-90 12 ${pad.top + plotH / 2})`,
    }),
  );
  for (const rule of spec.rules ?? []) {
    const y = sy(rule.y);
    chart.append(
      svg("line", { x1: pad.left, x2: pad.left + plotW, y1: y, y2: y, class: `lc-rule ${rule.className}` }),
      text(pad.left + plotW - 2, y - 3, rule.label, `lc-rule-label ${rule.className}`, { "text-anchor": "end" }),
    );
  }
  for (const series of spec.series) {
    const d = series.y.map((v, i) => `${i === 0 ? "M" : "L"}${sx(series.x[i] ?? i).toFixed(1)},${sy(v).toFixed(1)}`);
    const path = svg("path", { d: d.join(""), class: `lc-line ${series.className}`, "data-series": series.name });
    const title = svg("title", {});
    title.textContent = series.name;
    path.append(title);
    chart.append(path);
    if (!series.points) continue;
    series.y.forEach((v, i) => {
      const dot = svg("circle", { cx: sx(series.x[i] ?? i), cy: sy(v), r: 3, class: `lc-point ${series.className}` });
      const tip = svg("title", {});
      const at = spec.x.ticks.find((t) => t.at === series.x[i])?.label ?? String(series.x[i]);
      tip.textContent = `${series.name} at ${at}: ${v.toFixed(3)}`;
      dot.append(tip);
      chart.append(dot);
    });
  }
  return chart;
}
