// The "Training animation" panel: the same images at one layer under every checkpoint of the
// series, each layout aligned to the one before (the checkpoint-projection job), played as the
// layer projection plays its layers: the same WebGL scatter morphing from frame to frame, the
// same player, frames fetched one at a time as the slider or the loop reaches them. Points are
// coloured by true class; hover shows an image, a click makes it the current image.
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

const SCRUB_MS = 320;
const JUMP_MS = 700;

interface Shown {
  /** Dataset index of each point. */
  indices: Int32Array;
  /** Point of each dataset index (-1: none). */
  pointOf: Int32Array;
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
  const cleanups: (() => void)[] = [];

  const scatter = createScatter({ onPickable: () => pointer?.repick() });
  scatter.element.id = "checkpoint-canvas";
  scatter.element.classList.add("wc-canvas");
  scatter.setStyle({ scale: 1, opacity: null, thin: true });
  scatter.setFitted(true);
  /** The frames to fetch around `t`, the nearest first (ahead first while playing, the loop's
   * restart too). */
  const around = (t: number): number[] => {
    const count = info.checkpoints.length;
    const ahead = player.isPlaying() ? [t + 1, t + 2, (t + 1) % count] : [];
    return [t, ...ahead, t + 1, t - 1];
  };
  const player = createPlayer({
    render: (blend, moving) => scatter.render(blend, moving),
    ready: (t) => scatter.hasLayer(t),
    need: (t) => shown?.frames.want(around(t)),
    snapshot: (blend) => scatter.snapshot(blend),
    onLayer(t) {
      controls.setFrame(t);
      shown?.frames.want(around(t));
    },
    onPlaying: (playing) => controls.setPlaying(playing),
    onRest: () => pointer?.repick(),
    onFps: () => undefined,
  });
  const controls = createAnimationControls({
    onFrame(t, scrub) {
      player.pause();
      player.goTo(t, scrub ? SCRUB_MS : JUMP_MS);
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
    el("div", { class: "wc-main" }, stage, controls.element),
    card.element,
    anchor,
  );

  function updateSummary(): void {
    const chosen = picker.pick(labels);
    const n = chosen.indices.length;
    const node = picker.node();
    summary.replaceChildren(
      el("strong", {}, `${n.toLocaleString()} image${n === 1 ? "" : "s"}`),
      node ? ` at ${node} × ${info.checkpoints.length} checkpoint${info.checkpoints.length === 1 ? "" : "s"}` : "",
      ...[chosen.note, dataset.labelled && !labels ? "Loading labels…" : ""]
        .filter((note) => note !== "")
        .map((note) => el("div", { class: "wc-note" }, note)),
    );
    run.disabled = running || !info.series || n === 0 || node === null;
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

  const show = (url: string, indices: Int32Array, first: Float32Array, scores: FrameScores | null): void => {
    player.pause();
    shown?.frames.destroy();
    const count = info.checkpoints.length;
    const pointOf = new Int32Array(dataset.size).fill(-1);
    indices.forEach((index, i) => (pointOf[index] = i));
    const frames = createLayerStore({
      layers: count,
      load: async (t) => {
        const frame = await changesApi.frame(url, t, indices.length);
        if (frame.name) controls.nameFrame(t, frame.name);
        return frame.coords;
      },
      onLoad(t, coords) {
        markUnplaced(coords);
        scatter.setLayer(t, coords);
        player.loaded();
      },
      onError: (t, error) => showError(status, new Error(`Checkpoint ${t}: ${String(error)}`)),
    });
    markUnplaced(first);
    shown = { indices, pointOf, frames };
    hovered = null;
    scatter.resize();
    scatter.setData(count, indices.length);
    scatter.setLayer(0, first);
    controls.setFrames(info.checkpoints, scores);
    empty.hidden = true;
    hint.hidden = false;
    legend.hidden = false;
    recolor();
    player.setLayers(count);
    frames.want(around(0));
  };

  run.onclick = async () => {
    const chosen = picker.pick(labels);
    const node = picker.node();
    if (!chosen.indices.length || !node || running) return;
    running = true;
    updateSummary();
    status.replaceChildren("Projecting…");
    const started = performance.now();
    try {
      const indices = chosen.indices;
      const job = await context.jobs.run(`Projecting ${indices.length.toLocaleString()} images × checkpoints`, () =>
        changesApi.startProjection(node, Array.from(indices)),
      );
      const url = resultUrl(job);
      const [scores, first] = await Promise.all([
        changesApi.scores(url).catch(() => null), // unlabelled images are not scored
        changesApi.frame(url, 0, indices.length),
      ]);
      if (scores && scores.nodes.length !== info.checkpoints.length)
        throw new Error(`The server projected ${scores.nodes.length} checkpoints of ${info.checkpoints.length}.`);
      show(url, indices, first.coords, scores);
      if (first.name) controls.nameFrame(0, first.name);
      status.textContent = `${indices.length.toLocaleString()} images × ${info.checkpoints.length} checkpoints at ${node} in ${(
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
    (layers) => picker.setNodes(layers.all, lateConvNode(layers.conv_pool, graph.nodes)),
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
