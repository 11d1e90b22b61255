// The "Training animation" panel: the same images at one layer under every checkpoint of the
// series, each layout aligned to the one before (the checkpoint-projection job), played as the
// layer projection plays its layers: the same WebGL scatter morphing from frame to frame, the
// same player, frames fetched one at a time as the slider or the loop reaches them. At every
// conv and pool layer at once it is the layers × checkpoints grid: the slider still runs over
// training, a map of the grid moves through the layers too, and the loop plays along either.
// Points are coloured by true class; hover shows an image, a click makes it the current image.
import { resultUrl } from "../../api/client";
import { JobCancelled } from "../../state/jobs";
import { el, showError } from "../../ui/dom";
import { createHoverCard } from "../../ui/hover-card";
import { loadLabels } from "../../ui/labels";
import { entryColors, pointColors } from "../projection/coloring";
import { markUnplaced } from "../projection/coords";
import { createLayerStore, type LayerStore } from "../projection/layer-store";
import { createPlayer } from "../projection/player";
import { attachPointer, type Pointer } from "../projection/pointer";
import { createScatter } from "../projection/scatter";
import type { AppContext, View } from "../view";
import { createAnimationControls } from "./animation-controls";
import { createAnimationPicker } from "./animation-picker";
import { changesApi, type FrameScores } from "./changes-api";
import { defaultClasses, lateConvNode } from "./default-node";
import { type Axis, cellOf, frameCount, frameOf, framesAround, type Grid, nextFrame, rowScores } from "./grid";
import { createGridMap } from "./grid-map";

const SCRUB_MS = 320;
const JUMP_MS = 700;

interface Shown {
  /** Dataset index of each point. */
  indices: Int32Array;
  /** Point of each dataset index (-1: none). */
  pointOf: Int32Array;
  grid: Grid;
  scores: FrameScores | null;
  frames: LayerStore;
}

export function createAnimationView(context: AppContext): View {
  const { dataset, model, store, graph, changes } = context;
  const trueClasses = dataset.classes.length ? dataset.classes : model.classes;
  const info = changes.checkpoints.get();
  const nativeSize = Math.max(model.input_shape[1], model.input_shape[2]);
  let labels: Int32Array | null = null;
  let shown: Shown | null = null;
  let running = false;
  let hovered: number | null = null;
  let pointer: Pointer | null = null;
  let axis: Axis = "time";
  let row = -1; // the grid row (layer) the player bar shows
  let target = 0; // the frame asked for last (the player's may still wait for it to arrive)
  const cleanups: (() => void)[] = [];

  const scatter = createScatter({ onPickable: () => pointer?.repick() });
  scatter.element.id = "checkpoint-canvas";
  scatter.element.classList.add("wc-canvas");
  scatter.setStyle({ scale: 1, opacity: null, thin: true });
  scatter.setFitted(true);
  /** The frames to fetch around `frame`, the nearest first (ahead along the axis played). */
  const around = (frame: number): number[] => (shown ? framesAround(shown.grid, frame, axis) : [frame]);
  const player = createPlayer({
    render: (blend, moving) => scatter.render(blend, moving),
    ready: (t) => scatter.hasLayer(t),
    need: (t) => shown?.frames.want(around(t)),
    snapshot: (blend) => scatter.snapshot(blend),
    onLayer(frame) {
      target = frame;
      if (shown) {
        const cell = cellOf(shown.grid, frame);
        showRow(cell.layer);
        controls.setFrame(cell.checkpoint);
        gridMap.setFrame(frame);
      }
      shown?.frames.want(around(frame));
    },
    onPlaying: (playing) => controls.setPlaying(playing),
    onRest: () => pointer?.repick(),
    onFps: () => undefined,
    next: (frame) => (shown ? nextFrame(shown.grid, frame, axis) : frame),
  });
  const controls = createAnimationControls({
    onFrame(t, scrub) {
      player.pause();
      const layer = shown ? cellOf(shown.grid, target).layer : 0;
      player.goTo(shown ? frameOf(shown.grid, { layer, checkpoint: t }) : t, scrub ? SCRUB_MS : JUMP_MS);
    },
    onPlay: () => (player.isPlaying() ? player.pause() : player.play()),
    onSpeed: (speed) => player.setSpeed(speed),
  });
  const picker = createAnimationPicker({
    size: dataset.size,
    trueClasses,
    classCounts: dataset.labelled ? dataset.class_counts : null,
    labelled: dataset.labelled,
    defaultClasses: defaultClasses(trueClasses),
    nodes: graph.nodes,
    onChange: () => updateSummary(),
  });
  const gridMap = createGridMap((cell) => {
    if (!shown) return;
    player.pause();
    player.goTo(frameOf(shown.grid, cell), JUMP_MS);
  });
  const axisSelect = el(
    "select",
    {
      id: "checkpoint-axis",
      title: "What the loop plays: the checkpoints at this layer, or the layers at this checkpoint",
    },
    el("option", { value: "time" }, "over training"),
    el("option", { value: "depth" }, "through the layers"),
  );
  axisSelect.onchange = () => {
    axis = axisSelect.value === "depth" ? "depth" : "time";
    if (shown) shown.frames.want(around(target));
  };
  const layerLine = el("div", { class: "wc-grid-layer", id: "checkpoint-layer", "aria-live": "polite" });
  const gridBox = el(
    "div",
    { class: "wc-grid-box" },
    el(
      "div",
      { class: "wc-grid-head" },
      layerLine,
      el("label", { class: "wc-speed", for: "checkpoint-axis" }, el("span", { class: "muted" }, "Play"), axisSelect),
    ),
    gridMap.element,
  );
  gridBox.hidden = true;
  /** The player bar follows the grid row (layer) of the frame shown. */
  function showRow(layer: number): void {
    if (!shown || layer === row) return;
    row = layer;
    const { grid, scores } = shown;
    controls.setFrames(info.checkpoints, scores ? rowScores(scores, grid, layer) : null);
    layerLine.replaceChildren(
      el("span", { class: "muted" }, "Layer "),
      el("strong", {}, grid.layers[layer] ?? ""),
      el("span", { class: "muted" }, ` · ${layer + 1} of ${grid.layers.length}`),
    );
  }
  let palette: (key: number) => string = () => "#888";
  const card = createHoverCard({
    classColor: (key) => palette(key),
    api: context.api,
    trueClasses,
    nativeSize,
    labels: () => labels,
    evaluation: () => context.evaluation.get(),
  });
  card.element.id = "checkpoint-hover-card";
  const anchor = el("div", { class: "wc-anchor" });

  const run = el(
    "button",
    {
      id: "checkpoint-run",
      class: "wc-run",
      title: "Project the chosen images at the chosen layer under every checkpoint",
    },
    "Project over checkpoints",
  );
  const summary = el("div", { class: "wc-summary", id: "checkpoint-summary", "aria-live": "polite" });
  const status = el("div", { class: "wc-status", id: "checkpoint-status", "aria-live": "polite" });
  const legend = el("div", { class: "wc-legend", id: "checkpoint-legend" });
  const empty = el(
    "div",
    { class: "wc-empty" },
    el("strong", {}, "How does the representation form over training?"),
    el(
      "p",
      {},
      info.series
        ? "Choose a layer and images on the left and project them: each checkpoint's activations are laid out in 2-D, aligned to the checkpoint before, and played as an animation."
        : "This server serves one model, not a series. Start it with --weights on a folder or a glob of checkpoints (runs/epoch_*.pt) to watch the classes separate over training.",
    ),
  );
  const hint = el(
    "div",
    { class: "wc-hint" },
    "scroll: zoom · drag: pan · double-click: reset · click a point: select it",
  );
  const stage = el("div", { class: "wc-stage", id: "checkpoint-projection" }, scatter.element, legend, empty, hint);
  hint.hidden = true;
  legend.hidden = true;
  const main = el("div", { class: "wc-main" }, stage, gridBox, controls.element);
  const element = el(
    "div",
    { class: "wc-animation" },
    el(
      "aside",
      { class: "wc-side" },
      el("h3", { class: "wc-side-head" }, "Training animation"),
      picker.element,
      el("div", { class: "wc-run-box" }, summary, run, status),
    ),
    main,
    card.element,
    anchor,
  );

  function updateSummary(): void {
    const chosen = picker.pick(labels);
    const n = chosen.indices.length;
    const layers = picker.layers();
    const where = layers === null ? "" : layers.length === 1 ? (layers[0] ?? "") : `${layers.length} layers`;
    summary.replaceChildren(
      el("strong", {}, `${n.toLocaleString()} image${n === 1 ? "" : "s"}`),
      layers ? ` at ${where} × ${info.checkpoints.length} checkpoint${info.checkpoints.length === 1 ? "" : "s"}` : "",
      ...[chosen.note, dataset.labelled && !labels ? "Loading labels…" : ""]
        .filter((note) => note !== "")
        .map((note) => el("div", { class: "wc-note" }, note)),
    );
    run.disabled = running || !info.series || n === 0 || layers === null;
  }

  const highlight = (): void => {
    const state = store.get();
    const current = state.tray === null && shown ? (shown.pointOf[state.image] ?? -1) : -1;
    scatter.setHighlights({ hover: hovered, current: current >= 0 ? current : null });
    player.invalidate();
  };

  const recolor = (): void => {
    if (!shown) return;
    const colors = pointColors("true", shown.indices, {
      labels,
      predictions: null,
      trueClasses,
      predictedClasses: model.classes,
    });
    palette = colors.palette;
    scatter.setColors(colors.slots, entryColors(colors.entries, new Set()));
    legend.replaceChildren(
      ...colors.entries.map((entry) =>
        el(
          "span",
          { class: "wc-legend-item" },
          el("span", { class: "wc-swatch", style: `background:${entry.color ?? "#888"}` }),
          entry.label,
          el("span", { class: "muted" }, entry.count.toLocaleString()),
        ),
      ),
    );
    highlight();
  };

  function setHover(point: number | null): void {
    if (point === hovered) return;
    hovered = point;
    highlight();
    if (point === null || !shown) {
      card.hover(null, null);
      return;
    }
    const at = scatter.clientPosition(point, player.blend());
    const size = scatter.pointSize();
    if (at)
      anchor.style.cssText = `left:${at.x - size / 2}px;top:${at.y - size / 2}px;width:${size}px;height:${size}px`;
    card.hover(shown.indices[point] ?? null, anchor);
  }

  const show = (
    url: string,
    grid: Grid,
    indices: Int32Array,
    first: Float32Array,
    scores: FrameScores | null,
  ): void => {
    player.pause();
    shown?.frames.destroy();
    const count = frameCount(grid);
    const pointOf = new Int32Array(dataset.size).fill(-1);
    indices.forEach((index, i) => (pointOf[index] = i));
    const frames = createLayerStore({
      layers: count,
      load: async (t) => {
        const frame = await changesApi.frame(url, t, indices.length);
        if (frame.name) controls.nameFrame(cellOf(grid, t).checkpoint, frame.name);
        return frame.coords;
      },
      onLoad(t, coords) {
        markUnplaced(coords);
        scatter.setLayer(t, coords);
        player.loaded();
      },
      onError: (t, error) => {
        const { layer, checkpoint } = cellOf(grid, t);
        showError(status, new Error(`${grid.layers[layer]} at checkpoint ${checkpoint}: ${String(error)}`));
      },
    });
    markUnplaced(first);
    shown = { indices, pointOf, grid, scores, frames };
    hovered = null;
    row = -1;
    target = 0;
    scatter.resize();
    scatter.setData(count, indices.length);
    scatter.setLayer(0, first);
    showRow(0);
    gridMap.show(grid, info.checkpoints, scores);
    gridBox.hidden = grid.layers.length < 2;
    main.classList.toggle("has-grid", !gridBox.hidden);
    if (gridBox.hidden) axisSelect.value = axis = "time";
    empty.hidden = true;
    hint.hidden = false;
    legend.hidden = false;
    recolor();
    player.setLayers(count);
    frames.want(around(0));
  };

  run.onclick = async () => {
    const chosen = picker.pick(labels);
    const layers = picker.layers();
    if (!chosen.indices.length || !layers || running) return;
    running = true;
    updateSummary();
    status.replaceChildren("Projecting…");
    const started = performance.now();
    try {
      const indices = chosen.indices;
      const grid: Grid = { layers, checkpoints: info.checkpoints.length };
      const job = await context.jobs.run(`Projecting ${indices.length.toLocaleString()} images × checkpoints`, () =>
        changesApi.startProjection(layers, Array.from(indices)),
      );
      const url = resultUrl(job);
      const [scores, first] = await Promise.all([
        changesApi.scores(url).catch(() => null), // unlabelled images are not scored
        changesApi.frame(url, 0, indices.length),
      ]);
      if (scores && scores.nodes.length !== frameCount(grid))
        throw new Error(`The server projected ${scores.nodes.length} frames of ${frameCount(grid)}.`);
      show(url, grid, indices, first.coords, scores);
      if (first.name) controls.nameFrame(0, first.name);
      const where = layers.length === 1 ? `at ${layers[0]}` : `at ${layers.length} layers`;
      status.textContent = `${indices.length.toLocaleString()} images × ${info.checkpoints.length} checkpoints ${where} in ${(
        (performance.now() - started) /
        1000
      ).toFixed(1)} s`;
    } catch (error) {
      if (error instanceof JobCancelled) status.textContent = "Cancelled.";
      else showError(status, error);
    } finally {
      running = false;
      updateSummary();
    }
  };

  pointer = attachPointer({
    scatter,
    active: () => shown !== null,
    onHover: setHover,
    onClick: (point) => store.update({ image: shown?.indices[point] ?? store.get().image, tray: null }),
    redraw: () => player.invalidate(),
  });
  const resize = new ResizeObserver(() => {
    if (scatter.resize()) player.invalidate();
  });
  resize.observe(stage);
  cleanups.push(
    store.subscribe((state, previous) => {
      if (state.image !== previous.image || state.tray !== previous.tray) highlight();
    }),
    () => resize.disconnect(),
    () => shown?.frames.destroy(),
    () => player.destroy(),
    () => scatter.destroy(),
    () => card.destroy(),
  );

  changesApi.projectionLayers().then(
    (layers) => picker.setNodes(layers.all, lateConvNode(layers.conv_pool, graph.nodes), layers.conv_pool),
    (error: unknown) => showError(status, error),
  );
  if (dataset.labelled) {
    picker.setLabelsReady(false);
    loadLabels(dataset.size).then(
      (loaded) => {
        labels = loaded;
        picker.setLabelsReady(true);
        recolor();
        updateSummary();
      },
      (error: unknown) => showError(status, error),
    );
  }
  updateSummary();

  return {
    element: el("div", { class: "wc-view wc-view-full", id: "animation-panel" }, element),
    draw() {
      scatter.resize();
      player.invalidate();
    },
    destroy() {
      for (const cleanup of cleanups) cleanup();
    },
  };
}
