// The separability curve under the layer slider: at each layer, how well the true classes
// separate (kNN accuracy of the 2-D layout and of the full activations, the layout's
// silhouette), one point per layer at the x of its slider tick, the chance level dashed and the
// current layer marked; a key above it reads the current layer's values. Click a point (or its
// column) to go to that layer. Drawn in greys and marker shapes, not colours, which mean
// classes in the scatter above.
import { el, svg } from "../../ui/dom";
import type { ProjectionScores } from "./projection-api";

const HEIGHT = 76;
const PAD = { top: 6, bottom: 5 };

type Key = "knn_layout" | "knn_full" | "silhouette";

interface Series {
  key: Key;
  /** Short name in the key. */
  name: string;
  /** What it is, for tooltips. */
  about: (s: ProjectionScores) => string;
  format: (v: number) => string;
}

const percent = (v: number): string => `${Math.round(v * 100)}%`;
const SERIES: readonly Series[] = [
  {
    key: "knn_layout",
    name: "kNN, 2-D layout",
    about: (s) =>
      `kNN accuracy of the 2-D layout: each of ${s.layout_points.toLocaleString()} images is classified by the vote of its ${s.neighbours} nearest neighbours in the layout (itself left out)`,
    format: percent,
  },
  {
    key: "knn_full",
    name: "kNN, full activations",
    about: (s) =>
      `kNN accuracy in the layer's full activations, on the ${s.full_points.toLocaleString()} images the pivots are chosen from (${s.neighbours} neighbours, itself left out): above the 2-D value, the layout hides separation that is there`,
    format: percent,
  },
  {
    key: "silhouette",
    name: "silhouette, 2-D",
    about: (s) =>
      `silhouette of the 2-D layout on ${s.layout_points.toLocaleString()} images: 1 for tight, far-apart classes, 0 for overlapping ones, below 0 for mixed`,
    format: (v) => v.toFixed(2),
  },
];

export interface ScoreChart {
  /** The key with the current layer's values. */
  readonly key: HTMLElement;
  /** The curve, as wide as the slider's tick range. */
  readonly plot: SVGSVGElement;
  /** `describe(layer)`: the layer's name for tooltips. */
  setScores(scores: ProjectionScores | null, describe: (layer: number) => string): void;
  setLayer(layer: number): void;
}

export function createScoreChart(onLayer: (layer: number) => void): ScoreChart {
  const plot = svg("svg", {
    id: "projection-scores",
    class: "pj-score-plot",
    height: HEIGHT,
    role: "img",
    "aria-label": "class separation by layer",
  });
  const values = new Map<Key, HTMLElement>(SERIES.map((s) => [s.key, el("strong", { class: "pj-score-value" }, "–")]));
  const items = SERIES.map((s) =>
    el(
      "span",
      { class: `pj-score-item pj-s-${s.key}` },
      el("span", { class: "pj-glyph", "aria-hidden": "true" }),
      `${s.name} `,
      values.get(s.key) ?? null,
    ),
  );
  const chance = el(
    "span",
    {
      class: "pj-score-item pj-s-chance",
      title: "The share of the most common class: what a vote that ignores the layout would score",
    },
    el("span", { class: "pj-glyph", "aria-hidden": "true" }),
    "chance ",
    el("strong", { class: "pj-score-value" }, "–"),
  );
  const note = el("span", { class: "pj-score-note" });
  const key = el(
    "div",
    { class: "pj-score-key", id: "projection-score-key" },
    el("span", { class: "pj-score-title" }, "Class separation"),
    ...items,
    chance,
    note,
  );
  let scores: ProjectionScores | null = null;
  let layer = 0;

  plot.addEventListener("click", (event) => {
    const target = (event.target as Element | null)?.closest("[data-layer]");
    if (target) onLayer(Number(target.getAttribute("data-layer")));
  });

  const draw = (describe: (layer: number) => string): void => {
    plot.replaceChildren();
    if (!scores) return;
    const s = scores;
    const count = s.knn_layout.length;
    const last = Math.max(1, count - 1);
    const x = (i: number): string => `${((count > 1 ? i / last : 0.5) * 100).toFixed(3)}%`;
    const finite = [...s.knn_layout, ...s.knn_full, ...s.silhouette].filter((v): v is number => v !== null);
    const low = Math.min(0, Math.floor(Math.min(...finite, 0) * 10) / 10);
    const y = (v: number): number => PAD.top + ((1 - v) / (1 - low)) * (HEIGHT - PAD.top - PAD.bottom);
    // Grid at 0 and 1 (accuracies and silhouettes share the axis), labelled right of the plot.
    for (const v of [1, 0.5, 0, ...(low < 0 ? [low] : [])]) {
      plot.append(
        svg("line", { x1: "0%", x2: "100%", y1: y(v), y2: y(v), class: v === 0 ? "pj-score-zero" : "pj-score-grid" }),
      );
      const label = svg("text", { x: "100%", dx: 7, y: y(v) + 3, class: "pj-score-axis" });
      label.textContent = v === 0.5 ? ".5" : String(v);
      plot.append(label);
    }
    if (s.chance !== null)
      plot.append(svg("line", { x1: "0%", x2: "100%", y1: y(s.chance), y2: y(s.chance), class: "pj-score-chance" }));
    // One column per layer: a click anywhere in it goes there; its tooltip lists the values.
    for (let i = 0; i < count; i++) {
      const left = count > 1 ? ((i - 0.5) / last) * 100 : 0;
      const column = svg("rect", {
        x: `${left.toFixed(3)}%`,
        width: `${count > 1 ? 100 / last : 100}%`,
        y: 0,
        height: HEIGHT,
        class: "pj-score-column",
        "data-layer": i,
      });
      const title = svg("title", {});
      title.textContent = `${describe(i)}\n${SERIES.map((series) => `${series.name}: ${format(series, s[series.key][i] ?? null)}`).join("\n")}`;
      column.append(title);
      plot.append(column);
    }
    plot.append(
      svg("line", {
        id: "projection-score-cursor",
        class: "pj-score-cursor",
        x1: x(layer),
        x2: x(layer),
        y1: 0,
        y2: HEIGHT,
      }),
    );
    for (const series of SERIES) {
      const group = svg("g", { class: `pj-series pj-s-${series.key}`, "data-series": series.key });
      const v = s[series.key];
      for (let i = 0; i + 1 < count; i++) {
        const a = v[i] ?? null;
        const b = v[i + 1] ?? null;
        if (a !== null && b !== null) group.append(svg("line", { x1: x(i), x2: x(i + 1), y1: y(a), y2: y(b) }));
      }
      for (let i = 0; i < count; i++) {
        const value = v[i] ?? null;
        if (value === null) continue;
        const point =
          series.key === "silhouette"
            ? svg("rect", { x: x(i), y: y(value), width: 5, height: 5, transform: "translate(-2.5 -2.5)" })
            : svg("circle", { cx: x(i), cy: y(value), r: 3.2 });
        point.setAttribute("data-layer", String(i));
        point.classList.add("pj-score-point");
        if (i === layer) point.classList.add("current");
        const title = svg("title", {});
        title.textContent = `${describe(i)}: ${series.name} ${series.format(value)}`;
        point.append(title);
        group.append(point);
      }
      plot.append(group);
    }
  };

  const format = (series: Series, v: number | null): string => (v === null ? "–" : series.format(v));

  const readout = (): void => {
    for (const series of SERIES) {
      const value = values.get(series.key);
      if (value) value.textContent = format(series, scores?.[series.key][layer] ?? null);
    }
    const chanceValue = chance.querySelector(".pj-score-value");
    const p = scores?.chance ?? null;
    if (chanceValue) chanceValue.textContent = p === null ? "–" : percent(p);
  };

  return {
    key,
    plot,
    setScores(next, describe) {
      const scorable = next !== null && next.knn_layout.some((v) => v !== null);
      scores = scorable ? next : null;
      for (const [i, series] of SERIES.entries()) items[i]?.setAttribute("title", next ? series.about(next) : "");
      for (const item of [...items, chance]) item.hidden = !scorable;
      note.textContent = !next
        ? ""
        : !scorable
          ? "needs images of at least two labelled classes"
          : `k = ${next.neighbours} · ${next.layout_points.toLocaleString()} images in 2-D, ${next.full_points.toLocaleString()} in full`;
      plot.style.display = scorable ? "" : "none";
      layer = 0;
      draw(describe);
      readout();
    },
    setLayer(next) {
      layer = next;
      if (scores) {
        const cursor = plot.querySelector("#projection-score-cursor");
        const count = scores.knn_layout.length;
        const at = `${((count > 1 ? next / (count - 1) : 0.5) * 100).toFixed(3)}%`;
        cursor?.setAttribute("x1", at);
        cursor?.setAttribute("x2", at);
        for (const point of plot.querySelectorAll(".pj-score-point"))
          point.classList.toggle("current", point.getAttribute("data-layer") === String(next));
      }
      readout();
    },
  };
}
