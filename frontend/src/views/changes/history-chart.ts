// The training history as an SVG chart: accuracy (left axis) and mean loss (right axis) at each
// checkpoint, the selected checkpoint (A) marked by a band and the compared one (B) by a label.
// A click on a checkpoint's column or point asks to select it.
import { formatPercent, svg } from "../../ui/dom";
import type { History } from "./changes-api";
import { linear, niceTicks } from "./chart-scale";

const WIDTH = 760;
const PLOT = 190; // the plot's height, between the letters A/B above and the names below
const PAD = { left: 52, right: 56, top: 22 };

export interface HistoryMarks {
  /** The selected checkpoint (A). */
  selected: number;
  /** The checkpoint compared with (B), if it is one of the series. */
  compared: number | null;
}

const finite = (values: readonly (number | null)[]): number[] =>
  values.filter((v): v is number => v !== null && Number.isFinite(v));

function text(x: number, y: number, content: string, attributes: Record<string, string | number> = {}): SVGTextElement {
  const node = svg("text", { x, y, ...attributes });
  node.textContent = content;
  return node;
}

function titled<T extends SVGElement>(node: T, title: string): T {
  const tip = svg("title");
  tip.textContent = title;
  node.append(tip);
  return node;
}

/** Draws `history` into `chart` (an <svg>); each checkpoint's column and points carry its
 * position as `data-checkpoint`, for the view's click handler. */
export function drawHistory(chart: SVGSVGElement, history: History, marks: HistoryMarks): void {
  chart.replaceChildren();
  const count = history.names.length;
  const slant = count > 8; // names slanted where they would not fit side by side
  const base = PAD.top + PLOT; // the y of the axis
  chart.setAttribute("viewBox", `0 0 ${WIDTH} ${base + (slant ? 58 : 26)}`);
  const accuracies = finite(history.accuracy);
  const losses = finite(history.loss);
  const accuracyAxis = niceTicks(
    Math.max(0, Math.min(...accuracies, 1) - 0.02),
    Math.min(1, Math.max(...accuracies, 0)),
  );
  const lossAxis = niceTicks(0, Math.max(...losses, 0));
  const x = linear([0, Math.max(1, count - 1)], [PAD.left + 16, WIDTH - PAD.right - 16]);
  const at = (t: number): number => (count > 1 ? x(t) : (PAD.left + WIDTH - PAD.right) / 2);
  const yAccuracy = linear(accuracyAxis.domain, [base, PAD.top]);
  const yLoss = linear(lossAxis.domain, [base, PAD.top]);
  const step = count > 1 ? at(1) - at(0) : WIDTH - PAD.left - PAD.right;

  // The selected checkpoint's band, under everything.
  if (marks.selected >= 0 && marks.selected < count)
    chart.append(
      svg("rect", {
        class: "wh-selected-band",
        x: at(marks.selected) - Math.min(step, 60) / 2,
        width: Math.min(step, 60),
        y: PAD.top - 14,
        height: PLOT + 14,
      }),
    );
  for (const tick of accuracyAxis.ticks) {
    chart.append(
      svg("line", { class: "wh-grid", x1: PAD.left, x2: WIDTH - PAD.right, y1: yAccuracy(tick), y2: yAccuracy(tick) }),
    );
    chart.append(
      text(PAD.left - 6, yAccuracy(tick) + 4, formatPercent(tick, 0), {
        class: "wh-axis wh-axis-acc",
        "text-anchor": "end",
      }),
    );
  }
  for (const tick of lossAxis.ticks)
    chart.append(text(WIDTH - PAD.right + 6, yLoss(tick) + 4, String(tick), { class: "wh-axis wh-axis-loss" }));
  chart.append(text(4, PAD.top - 10, "accuracy", { class: "wh-axis-title wh-axis-acc" }));
  chart.append(
    text(WIDTH - 4, PAD.top - 10, "mean loss", { class: "wh-axis-title wh-axis-loss", "text-anchor": "end" }),
  );

  // Checkpoint names under the axis: slanted when there are many, thinned past about 24.
  const every = Math.max(1, Math.ceil(count / 24));
  history.names.forEach((name, t) => {
    if (t % every !== 0 && t !== count - 1) return;
    const y = base + 16;
    const label = text(at(t), y, name, {
      class: `wh-tick${t === marks.selected ? " selected" : ""}`,
      "text-anchor": slant ? "end" : "middle",
      ...(slant ? { transform: `rotate(-35 ${at(t)} ${y})` } : {}),
    });
    chart.append(label);
  });
  const letter = (t: number, content: string, cls: string): void => {
    if (t >= 0 && t < count) chart.append(text(at(t), PAD.top - 4, content, { class: cls, "text-anchor": "middle" }));
  };
  letter(marks.selected, "A", "wh-mark wh-mark-a");
  if (marks.compared !== null && marks.compared !== marks.selected) letter(marks.compared, "B", "wh-mark wh-mark-b");

  const describe = (t: number): string =>
    `${history.names[t] ?? t}: accuracy ${formatPercent(history.accuracy[t] ?? null, 2)}, mean loss ${
      history.loss[t]?.toFixed(3) ?? "–"
    }${t === marks.selected ? " (selected: A)" : " · click to show this checkpoint in every view"}`;
  // One column per checkpoint: a click anywhere in it picks that checkpoint.
  for (let t = 0; t < count; t++)
    chart.append(
      titled(
        svg("rect", {
          class: "wh-column",
          "data-checkpoint": t,
          x: at(t) - step / 2,
          width: step,
          y: PAD.top - 14,
          height: PLOT + 14,
        }),
        describe(t),
      ),
    );

  const line = (values: readonly (number | null)[], y: (v: number) => number, cls: string): void => {
    const points = values
      .map((v, t) => (v === null || !Number.isFinite(v) ? null : `${at(t).toFixed(1)},${y(v).toFixed(1)}`))
      .filter((p): p is string => p !== null);
    if (points.length > 1) chart.append(svg("polyline", { class: cls, points: points.join(" ") }));
  };
  line(history.loss, yLoss, "wh-line wh-line-loss");
  line(history.accuracy, yAccuracy, "wh-line wh-line-acc");
  history.loss.forEach((v, t) => {
    if (v === null) return;
    const size = t === marks.selected ? 9 : 7;
    chart.append(
      titled(
        svg("rect", {
          class: `wh-point wh-loss${t === marks.selected ? " selected" : ""}`,
          "data-checkpoint": t,
          x: at(t) - size / 2,
          y: yLoss(v) - size / 2,
          width: size,
          height: size,
        }),
        describe(t),
      ),
    );
  });
  history.accuracy.forEach((v, t) => {
    if (v === null) return;
    chart.append(
      titled(
        svg("circle", {
          class: `wh-point wh-acc${t === marks.selected ? " selected" : ""}`,
          "data-checkpoint": t,
          cx: at(t),
          cy: yAccuracy(v),
          r: t === marks.selected ? 6 : 4.5,
        }),
        describe(t),
      ),
    );
    // Each accuracy written above its point (below it where the letters A and B are in the
    // way), while there is room for it.
    const y = yAccuracy(v) < PAD.top + 16 ? yAccuracy(v) + 20 : yAccuracy(v) - 10;
    if (count <= 16) chart.append(text(at(t), y, formatPercent(v, 1), { class: "wh-value", "text-anchor": "middle" }));
  });
}
