// The class probabilities along the strip as an SVG line chart: the target (drawn thickest),
// the true class, the first prediction and every class that reaches 5% at some frame, the flip
// frame marked, and a cursor for the frame being played. The target is drawn twice: under the
// plain model (solid) and averaged over held-out random moves of each frame (dashed); both high
// is a feature the model reads, plain high and dashed low adversarial noise.
import { classColor } from "../../../ui/colors";
import { el, svg } from "../../../ui/dom";
import type { StripResult } from "./strip-api";

const WIDTH = 560;
const HEIGHT = 190;
const PAD = { left: 36, right: 10, top: 10, bottom: 26 };

export interface StripChart {
  element: HTMLElement;
  setCursor(frame: number): void;
}

export function createStripChart(strip: StripResult): StripChart {
  const frames = strip.frames;
  const x = (f: number): number => PAD.left + (frames > 1 ? (f / (frames - 1)) * (WIDTH - PAD.left - PAD.right) : 0);
  const y = (p: number): number => PAD.top + (1 - p) * (HEIGHT - PAD.top - PAD.bottom);
  const root = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    id: "strip-chart",
    role: "img",
    "aria-label": "class probabilities along the strip",
  });
  for (const p of [0, 0.5, 1]) {
    root.append(svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(p), y2: y(p), class: "st-grid" }));
    const label = svg("text", { x: PAD.left - 4, y: y(p) + 4, "text-anchor": "end", class: "st-axis" });
    label.textContent = `${p * 100}%`;
    root.append(label);
  }
  for (let f = 0; f < frames; f++) {
    const label = svg("text", { x: x(f), y: HEIGHT - 8, "text-anchor": "middle", class: "st-axis" });
    label.textContent = String(f);
    root.append(label);
  }
  if (strip.flip_frame !== null) {
    const fx = x(strip.flip_frame);
    root.append(
      svg("line", { x1: fx, x2: fx, y1: PAD.top, y2: HEIGHT - PAD.bottom, class: "st-flip", id: "strip-flip-mark" }),
    );
    const label = svg("text", { x: fx + 4, y: PAD.top + 10, class: "st-flip-label" });
    label.textContent = strip.target.kind === "class" ? "flip" : "prediction changes";
    root.append(label);
  }
  const cursor = svg("line", {
    x1: 0,
    x2: 0,
    y1: PAD.top,
    y2: HEIGHT - PAD.bottom,
    class: "st-cursor",
    visibility: "hidden",
  });
  root.append(cursor);
  const target = strip.target.kind === "class" ? strip.target.index : -1;
  const shown = strip.classes
    .map((_, k) => k)
    .filter(
      (k) =>
        k === target ||
        k === strip.label ||
        k === strip.predictions[0] ||
        strip.probs.some((row) => (row[k] ?? 0) >= 0.05),
    );
  const key = el("div", { class: "st-chart-key" });
  for (const k of shown.sort((a, b) => (a === target ? 1 : b === target ? -1 : 0))) {
    const points = strip.probs.map((row, f) => `${x(f).toFixed(1)},${y(row[k] ?? 0).toFixed(1)}`).join(" ");
    root.append(
      svg("polyline", {
        points,
        fill: "none",
        stroke: classColor(k),
        "stroke-width": k === target ? 3 : 1.5,
        "data-class": k,
      }),
    );
    key.append(
      el(
        "span",
        { class: k === target ? "st-key st-key-target" : "st-key" },
        el("span", { class: "st-swatch", style: `background:${classColor(k)}` }),
        strip.classes[k] ?? String(k),
        k === strip.label ? " (true)" : "",
      ),
    );
  }
  if (target >= 0) {
    const points = strip.robust_probs.map((row, f) => `${x(f).toFixed(1)},${y(row[target] ?? 0).toFixed(1)}`).join(" ");
    root.append(
      svg("polyline", {
        points,
        fill: "none",
        stroke: classColor(target),
        "stroke-width": 2.5,
        "stroke-dasharray": "6 4",
        class: "st-robust-line",
        "data-robust-class": target,
      }),
    );
    key.append(
      el(
        "span",
        { class: "st-key" },
        el("span", { class: "st-swatch st-swatch-dashed", style: `color:${classColor(target)}` }),
        `${strip.classes[target] ?? target} under random moves`,
      ),
    );
  }
  const element = el("figure", { class: "st-chart" }, el("figcaption", {}, "Class probabilities along the strip"), key);
  element.append(root);
  return {
    element,
    setCursor(frame) {
      cursor.setAttribute("x1", String(x(frame)));
      cursor.setAttribute("x2", String(x(frame)));
      cursor.setAttribute("visibility", "visible");
    },
  };
}
