// Feature maps of a (C, H, W) node for one image: a grid of channel tiles on ONE shared colour
// scale (the node's min to max for this image), sortable, drawn progressively, capped at
// CAP tiles until "show all"; a click on a tile opens it large with its numbers.
import type { Activations, ChannelStats } from "../api/types";
import { formatNumber, viridisLegend } from "./colors";
import { el, formatPercent } from "./dom";
import { summarise } from "./channel-summary";
import { paint, type Scale } from "./color-scale";
import "./feature-maps.css";

export type SortMode = "channel" | "mean" | "dataset-mean" | "dead";

/** Choices that outlive one image (stepping through images keeps them). */
export interface FeatureSettings {
  sort: SortMode;
  showAll: boolean;
  focus: number | null;
}

/** A button on the enlarged channel (e.g. "Ablate"): other views act on the channel shown. */
export interface ChannelAction {
  label: string;
  title: string;
  run(channel: number, button: HTMLButtonElement): void;
}

export interface ChannelView {
  readonly element: HTMLElement;
  setStats(stats: ChannelStats | null): void;
  focus(channel: number): void;
  destroy(): void;
}

const CAP = 128;
const TILES_PER_FRAME = 64;
const SORTS: [SortMode, string, boolean][] = [
  ["channel", "Channel order", false],
  ["mean", "Mean ↓", false],
  ["dataset-mean", "Dataset mean ↓", true],
  ["dead", "Dead ↓", true],
];

export function createFeatureMaps(
  acts: Activations,
  settings: FeatureSettings,
  initialStats: ChannelStats | null,
  actions: readonly ChannelAction[] = [],
  onFocus: (channel: number | null) => void = () => {},
): ChannelView {
  const [channels = 0, height = 1, width = 1] = acts.shape;
  const size = height * width;
  const scale: Scale = { min: acts.min, max: acts.max };
  const summary = summarise(acts.values, channels);
  let stats = initialStats && initialStats.mean.length === channels ? initialStats : null;
  const tileWidth = width >= 24 ? 64 : 52;
  const tileHeight = Math.max(8, Math.round((tileWidth * height) / width));

  const sortBar = el("div", { class: "segmented", role: "group", "aria-label": "Sort channels" });
  const focusBox = el("div", { class: "fm-focus", id: "channel-focus" });
  focusBox.hidden = true;
  const grid = el("div", {
    id: "feature-maps",
    class: "fm-grid",
    style: `--tile-w:${tileWidth}px;--tile-h:${tileHeight}px`,
  });
  const more = el("div", { class: "fm-more muted" });
  const element = el(
    "div",
    { class: "fm" },
    el("div", { class: "fm-controls" }, viridisLegend(acts.min, acts.max, "activation"), sortBar),
    focusBox,
    grid,
    more,
  );

  const mode = (): SortMode =>
    !stats && (settings.sort === "dataset-mean" || settings.sort === "dead") ? "channel" : settings.sort;
  const order = (): number[] => {
    const indices = Array.from({ length: channels }, (_, i) => i);
    const key = mode();
    const s = stats;
    if (key === "mean") indices.sort((a, b) => (summary.mean[b] ?? 0) - (summary.mean[a] ?? 0));
    else if (key === "dataset-mean" && s) indices.sort((a, b) => (s.mean[b] ?? 0) - (s.mean[a] ?? 0));
    else if (key === "dead" && s) indices.sort((a, b) => (s.dead_fraction[b] ?? 0) - (s.dead_fraction[a] ?? 0));
    return indices;
  };

  const describe = (c: number): string => {
    const lines = [
      `channel ${c}`,
      `mean ${formatNumber(summary.mean[c] ?? 0)} · max ${formatNumber(summary.max[c] ?? 0)} · min ${formatNumber(summary.min[c] ?? 0)}`,
    ];
    if (stats)
      lines.push(
        `over ${stats.images.toLocaleString()} images: mean ${formatNumber(stats.mean[c] ?? 0)} · dead ${formatPercent(stats.dead_fraction[c] ?? 0)}`,
      );
    return lines.join("\n");
  };

  const drawSortBar = (): void => {
    sortBar.replaceChildren(
      ...SORTS.map(([key, label, needsStats]) => {
        const button = el("button", { "data-sort": key, "aria-pressed": String(mode() === key) }, label);
        if (needsStats && !stats) {
          button.disabled = true;
          button.title = "Needs the channel statistics (below)";
        }
        button.onclick = () => {
          settings.sort = key;
          drawSortBar();
          drawGrid();
        };
        return button;
      }),
    );
  };

  let generation = 0;
  let frame = 0;
  const drawGrid = (): void => {
    const mine = ++generation;
    cancelAnimationFrame(frame);
    const indices = order();
    const shown = settings.showAll ? indices : indices.slice(0, CAP);
    grid.replaceChildren();
    let next = 0;
    const step = (): void => {
      if (mine !== generation) return;
      const tiles: HTMLElement[] = [];
      for (const end = Math.min(shown.length, next + TILES_PER_FRAME); next < end; next++) {
        tiles.push(tile(shown[next] ?? 0));
      }
      grid.append(...tiles);
      if (next < shown.length) frame = requestAnimationFrame(step);
    };
    step();
    if (shown.length < channels) {
      const all = el("button", { class: "link", id: "show-all-channels" }, `show all ${channels}`);
      all.onclick = () => {
        settings.showAll = true;
        drawGrid();
      };
      more.replaceChildren(`Showing ${shown.length} of ${channels} channels (${labelOf(mode())}) · `, all);
    } else {
      more.replaceChildren(`${channels} channels · ${height}×${width}`);
    }
  };

  const tile = (c: number): HTMLElement => {
    const canvas = el("canvas", { class: "fm-canvas" });
    paint(canvas, acts.values, c * size, width, height, scale);
    const caption = el("figcaption", {}, el("span", {}, String(c)));
    if (stats) {
      const dead = stats.dead_fraction[c] ?? 0;
      caption.append(
        el(
          "span",
          { class: dead >= 0.5 ? "dead high" : "dead", title: "dead on this fraction of the dataset" },
          formatPercent(dead, 0),
        ),
      );
    }
    const figure = el("figure", { class: "fm-tile", "data-channel": String(c), title: describe(c) }, canvas, caption);
    if (settings.focus === c) figure.classList.add("focused");
    figure.onclick = () => focus(c);
    return figure;
  };

  const focus = (c: number | null): void => {
    settings.focus = c !== null && c >= 0 && c < channels ? c : null;
    onFocus(settings.focus); // the app's current channel follows the enlarged one
    for (const t of grid.querySelectorAll(".focused")) t.classList.remove("focused");
    if (settings.focus === null) {
      focusBox.hidden = true;
      return;
    }
    const channel = settings.focus;
    grid.querySelector(`[data-channel="${channel}"]`)?.classList.add("focused");
    const canvas = el("canvas", { class: "fm-large" });
    paint(canvas, acts.values, channel * size, width, height, scale);
    canvas.style.aspectRatio = `${width} / ${height}`;
    const indices = order();
    const at = indices.indexOf(channel);
    const previous = el("button", { title: "Previous channel in this order" }, "‹");
    const next = el("button", { title: "Next channel in this order" }, "›");
    const close = el("button", { class: "link", title: "Close" }, "×");
    previous.disabled = at <= 0;
    next.disabled = at >= indices.length - 1;
    previous.onclick = () => focus(indices[at - 1] ?? channel);
    next.onclick = () => focus(indices[at + 1] ?? channel);
    close.onclick = () => focus(null);
    const rows: [string, string][] = [
      ["mean", formatNumber(summary.mean[channel] ?? 0)],
      ["max", formatNumber(summary.max[channel] ?? 0)],
      ["min", formatNumber(summary.min[channel] ?? 0)],
    ];
    if (stats) {
      rows.push(
        ["dataset mean", formatNumber(stats.mean[channel] ?? 0)],
        ["dead", `${formatPercent(stats.dead_fraction[channel] ?? 0)} of ${stats.images.toLocaleString()}`],
      );
    }
    focusBox.replaceChildren(
      canvas,
      el(
        "div",
        { class: "fm-focus-info" },
        el(
          "div",
          { class: "fm-focus-title" },
          el("strong", {}, `channel ${channel}`),
          el("span", { class: "fm-focus-nav" }, previous, next, close),
        ),
        el("dl", { class: "kv" }, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
        el("div", { class: "muted" }, `${height}×${width}, same colour scale as the grid`),
        actions.length ? el("div", { class: "fm-actions" }, ...actions.map((a) => actionButton(a, channel))) : null,
      ),
    );
    focusBox.hidden = false;
  };

  drawSortBar();
  drawGrid();
  if (settings.focus !== null) focus(settings.focus);

  return {
    element,
    setStats(next) {
      stats = next && next.mean.length === channels ? next : null;
      drawSortBar();
      drawGrid();
      if (settings.focus !== null) focus(settings.focus);
    },
    focus: (c) => {
      focus(c);
      focusBox.scrollIntoView({ block: "nearest" });
    },
    destroy() {
      generation++;
      cancelAnimationFrame(frame);
    },
  };
}

function actionButton(action: ChannelAction, channel: number): HTMLButtonElement {
  const button = el("button", { title: action.title, "data-action": action.label.toLowerCase() }, action.label);
  button.onclick = () => action.run(channel, button);
  return button;
}

function labelOf(mode: SortMode): string {
  return (
    SORTS.find(([key]) => key === mode)?.[1]
      .replace(" ↓", " descending")
      .toLowerCase() ?? mode
  );
}
