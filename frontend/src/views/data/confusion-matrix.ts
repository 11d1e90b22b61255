// The confusion matrix (rows: true class, columns: predicted), coloured by the share of each true
// class, with per-class recall and precision bars on the same rows. A click on a cell filters the
// grid to that pair; a click on a class name filters by that class alone; a second click clears.
import type { EvaluationSummary } from "../../api/types";
import { classColor } from "../../ui/colors";
import { el, formatPercent } from "../../ui/dom";
import { createEvaluatePrompt } from "../../ui/evaluate-prompt";

// ColorBrewer "Blues": sequential, colour-blind safe, and it reads in grayscale.
const BLUES: [number, number, number][] = [
  [247, 251, 255],
  [222, 235, 247],
  [198, 219, 239],
  [158, 202, 225],
  [107, 174, 214],
  [66, 146, 198],
  [33, 113, 181],
  [8, 81, 156],
  [8, 48, 107],
];
const FLOOR = 0.08; // the lightest shade a non-zero cell gets, so it differs from an empty one

function blues(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(x));
  const f = x - i;
  const a = BLUES[i] ?? [0, 0, 0];
  const b = BLUES[i + 1] ?? a;
  return `rgb(${Math.round(a[0] + (b[0] - a[0]) * f)},${Math.round(a[1] + (b[1] - a[1]) * f)},${Math.round(a[2] + (b[2] - a[2]) * f)})`;
}

const shade = (share: number): number => FLOOR + (1 - FLOOR) * share;

function legend(): HTMLElement {
  const stops = Array.from({ length: 11 }, (_, i) => `${blues(shade(i / 10))} ${i * 10}%`).join(",");
  return el(
    "div",
    { class: "dv-cm-legend" },
    el("span", {}, "share of the true class"),
    el("span", { class: "dv-cm-legend-empty", title: "no image" }),
    el("span", {}, "0"),
    el("span", { class: "dv-cm-legend-bar", style: `background:linear-gradient(to right,${stops})` }),
    el("span", {}, "100%"),
  );
}

function compact(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}

const BAR_WIDTH = 84; // each of the recall and precision columns
const LABEL_FONT = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
const CORNER_FONT = "10px system-ui, -apple-system, 'Segoe UI', sans-serif";
const ROTATION = (50 * Math.PI) / 180; // of the column labels
const AXIS_X = "predicted →";
const AXIS_Y = "true ↓";
const CORNER_LINES = 2 * 13 + 6; // the two axis titles, stacked, and their padding

function textWidth(texts: readonly string[], font = LABEL_FONT): number {
  const context = document.createElement("canvas").getContext("2d");
  if (!context) return Math.max(0, ...texts.map((t) => t.length * 6.2));
  context.font = font;
  return Math.max(0, ...texts.map((t) => context.measureText(t).width));
}

/** Sizes of the matrix for these classes; known before the evaluation, so the panel never resizes.
 * The label column and header row are also wide and tall enough for the corner's axis titles,
 * which one-character class names (MNIST's digits) would otherwise cut. */
export function matrixLayout(classes: readonly string[]): {
  cell: number;
  labels: boolean;
  labelWidth: number;
  header: number;
  width: number;
} {
  const k = Math.max(1, classes.length);
  const cell = k <= 12 ? 30 : Math.max(8, Math.floor(420 / k));
  const labels = cell >= 14; // below that, rotated names would overlap: names in tooltips only
  const longest = labels ? Math.min(110, textWidth(classes)) : 0;
  const names = Math.ceil(longest) + 8 + 5 + 6 + 2; // name, swatch, gap, padding
  const corner = Math.ceil(textWidth([AXIS_X, AXIS_Y], CORNER_FONT)) + 6 + 4; // padding, rounding
  const labelWidth = Math.max(names, corner);
  const header = Math.max(CORNER_LINES, labels ? Math.ceil(longest * Math.sin(ROTATION) + 16) : 12);
  const width = labelWidth + k * (cell + 1) + 2 * (BAR_WIDTH + 1);
  return { cell, labels, labelWidth, header, width };
}

export interface Selection {
  trueClass: number | null;
  predicted: number | null;
}

export interface ConfusionMatrixOptions {
  /** Pick a cell (both set), a row (predicted null) or a column (true null); toggles. */
  onPick(selection: Selection): void;
  evaluate(): Promise<void>;
}

export interface ConfusionMatrix {
  readonly element: HTMLElement;
  set(summary: EvaluationSummary | null): void;
  setSelection(selection: Selection): void;
}

export function createConfusionMatrix(o: ConfusionMatrixOptions): ConfusionMatrix {
  const element = el("div", { class: "dv-cm-panel" });
  let selection: Selection = { trueClass: null, predicted: null };
  let body: HTMLElement | null = null;
  let classes: readonly string[] = [];
  const note = el("span", { class: "dv-cm-note" });
  const clear = el("button", { id: "confusion-clear", class: "link", title: "Show every class again" }, "clear");
  clear.onclick = () => o.onPick({ trueClass: null, predicted: null });

  const pick = (trueClass: number | null, predicted: number | null): void => {
    const same = selection.trueClass === trueClass && selection.predicted === predicted;
    o.onPick(same ? { trueClass: null, predicted: null } : { trueClass, predicted });
  };

  const highlight = (): void => {
    if (!body) return;
    const { trueClass, predicted } = selection;
    const name = (i: number): string => classes[i] ?? String(i);
    note.textContent =
      trueClass !== null && predicted !== null
        ? `showing true ${name(trueClass)} → predicted ${name(predicted)}`
        : trueClass !== null
          ? `showing true ${name(trueClass)}`
          : predicted !== null
            ? `showing predicted ${name(predicted)}`
            : "";
    clear.hidden = trueClass === null && predicted === null;
    for (const node of body.querySelectorAll<HTMLElement>(".dv-cm-cell")) {
      node.classList.toggle(
        "selected",
        Number(node.dataset.true) === trueClass && Number(node.dataset.predicted) === predicted,
      );
    }
    for (const node of body.querySelectorAll<HTMLElement>("[data-row]"))
      node.classList.toggle("selected", Number(node.dataset.row) === trueClass);
    for (const node of body.querySelectorAll<HTMLElement>("[data-col]"))
      node.classList.toggle("selected", Number(node.dataset.col) === predicted);
  };

  const render = (summary: EvaluationSummary): HTMLElement => {
    classes = summary.classes;
    const k = summary.confusion.length;
    const { cell, labels, labelWidth, header } = matrixLayout(classes);
    const text = cell >= 24;
    const grid = el("div", {
      id: "confusion-matrix",
      class: "dv-cm",
      role: "table",
      "aria-label": "confusion matrix: rows true class, columns predicted class",
      style: `--cell:${cell}px;--k:${k};--header:${header}px;--labels:${labelWidth}px;--bar:${BAR_WIDTH}px`,
    });
    if (!labels) grid.classList.add("dv-cm-small");

    // Header row: corner, column labels, bar titles.
    grid.append(
      el(
        "div",
        { class: "dv-cm-corner", id: "confusion-corner" },
        el("span", { class: "dv-cm-axis-x" }, AXIS_X),
        el("span", { class: "dv-cm-axis-y" }, AXIS_Y),
      ),
    );
    classes.forEach((name, p) => {
      const label = el(
        "div",
        { class: "dv-cm-col", "data-col": String(p), title: `predicted ${name}: click to filter` },
        labels ? el("span", {}, name) : null,
      );
      label.onclick = () => pick(null, p);
      grid.append(label);
    });
    grid.append(
      el(
        "div",
        { class: "dv-cm-bar-title", title: "of the images of this class, the share predicted as it" },
        "recall",
      ),
    );
    grid.append(
      el(
        "div",
        { class: "dv-cm-bar-title", title: "of the images predicted as this class, the share that are" },
        "precision",
      ),
    );

    summary.confusion.forEach((row, t) => {
      const support = row.reduce((a, b) => a + b, 0);
      const name = classes[t] ?? String(t);
      const rowLabel = el(
        "div",
        {
          class: "dv-cm-row",
          "data-row": String(t),
          title: `true ${name}: ${support.toLocaleString()} images; click to filter`,
        },
        el("span", { class: "swatch", style: `background:${classColor(t)}` }),
        labels ? el("span", { class: "dv-cm-name" }, name) : null,
      );
      rowLabel.onclick = () => pick(t, null);
      grid.append(rowLabel);
      row.forEach((count, p) => {
        const share = support ? count / support : 0;
        const c = el("div", {
          class: `dv-cm-cell${t === p ? " diagonal" : ""}`,
          role: "cell",
          "data-true": String(t),
          "data-predicted": String(p),
          title: `true ${name} → predicted ${classes[p] ?? p}: ${count.toLocaleString()} images (${formatPercent(share)} of ${name})`,
        });
        if (count > 0) {
          c.style.background = blues(shade(share));
          if (shade(share) > 0.55) c.classList.add("dark");
          if (text) c.textContent = compact(count);
        }
        c.onclick = () => pick(t, p);
        grid.append(c);
      });
      for (const [value, kind] of [
        [summary.recall[t], "recall"],
        [summary.precision[t], "precision"],
      ] as const) {
        grid.append(
          el(
            "div",
            { class: `dv-cm-bar ${kind}`, title: `${kind} of ${name}: ${formatPercent(value)}` },
            el(
              "span",
              { class: "dv-cm-track" },
              el("span", { class: "dv-cm-fill", style: `width:${((value ?? 0) * 100).toFixed(1)}%` }),
            ),
            el("span", { class: "dv-cm-value" }, formatPercent(value ?? null, 0)),
          ),
        );
      }
    });

    const facts = el(
      "div",
      { class: "dv-cm-facts" },
      el("strong", {}, `accuracy ${formatPercent(summary.accuracy, 2)}`),
      el("span", {}, `mean loss ${summary.mean_loss === null ? "–" : summary.mean_loss.toFixed(3)}`),
      el("span", {}, `${summary.labelled.toLocaleString()} labelled images`),
    );
    return el(
      "div",
      { class: "dv-cm-body" },
      el("h2", { class: "dv-title" }, "Confusion matrix"),
      facts,
      el("div", { class: "dv-cm-scroll" }, grid),
      legend(),
      el("div", { class: "dv-cm-selection" }, note, clear),
      el(
        "p",
        { class: "dv-hint muted" },
        "Click a cell to show those images in the grid, a class name to filter by that class; click again to clear.",
      ),
    );
  };

  return {
    element,
    set(summary) {
      if (!summary) {
        body = null;
        element.replaceChildren(
          el("h2", { class: "dv-title" }, "Confusion matrix"),
          createEvaluatePrompt(
            "Evaluate the dataset to see its confusion matrix and per-class precision and recall.",
            o.evaluate,
            "dv-block",
          ),
        );
      } else if (summary.labelled === 0 || summary.confusion.length === 0) {
        body = null;
        element.replaceChildren(
          el("h2", { class: "dv-title" }, "Confusion matrix"),
          el("p", { class: "muted" }, "The dataset has no labels: no confusion matrix."),
        );
      } else {
        body = render(summary);
        element.replaceChildren(body);
        highlight();
      }
    },
    setSelection(next) {
      selection = next;
      highlight();
    },
  };
}
