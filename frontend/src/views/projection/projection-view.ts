// The layer projection view: pick images and layers, run the projection job, and watch the
// images' 2-D layouts morph from layer to layer (WebGL), each fitted to the canvas, coloured by
// class, with a hover card and click-to-select, and a curve of how well the classes separate at
// each layer under the slider. The lead view of the Data section's "Projection" panel. Tray
// images (edits, uploads) can be added as extra points, each with the dataset image it was made
// from. A projection's coordinates come a layer at a time (layer-store.ts): the first, then the
// ones the slider or the player reaches for, and their neighbours ahead of them.
import { JobCancelled } from "../../state/jobs";
import { classColor } from "../../ui/colors";
import { el, showError } from "../../ui/dom";
import { createHoverCard } from "../../ui/hover-card";
import { loadLabels } from "../../ui/labels";
import type { AppContext, View } from "../view";
import { chooseImages, withOriginals, type Pick } from "./choose";
import { createControls } from "./controls";
import { createImagePicker } from "./image-picker";
import { createLayerPicker } from "./layer-picker";
import { entryColors, pointColors, trayKey, type ColorInputs, type PointColors } from "./coloring";
import { markUnplaced } from "./coords";
import { createLayerStore, type LayerStore } from "./layer-store";
import { createLegend, type ColorMode } from "./legend";
import { createPlayer } from "./player";
import { createPointsControl } from "./points-control";
import { attachPointer, type Pointer } from "./pointer";
import { MAX_TRAY_POINTS, projectionApi, type ProjectionResult, type TrayPoint } from "./projection-api";
import "./projection.css";
import { createScatter } from "./scatter";
import { createTrayCard } from "./tray-card";

export interface ProjectionViewOptions {
  /** The Data grid's current selection (filtered images), for the "grid selection" choice. */
  gridSelection?: () => Int32Array | null;
}

const PIVOTS = 50;
const SCRUB_MS = 320;
const JUMP_MS = 700;

interface Shown {
  result: ProjectionResult;
  /** Dataset index of each point. */
  indices: Int32Array;
  /** Point of each dataset index (-1: none). */
  pointOf: Int32Array;
  /** Tray images, drawn as points indices.length + j. */
  tray: TrayPoint[];
  layers: LayerStore;
  /** Points the server could not place (unreadable images), at the first layer. */
  unplaced: number;
}

/** The colouring uploaded last, and what it was made from. */
interface Colored {
  shown: Shown;
  mode: ColorMode;
  labels: Int32Array | null;
  predictions: readonly number[] | null;
  colors: PointColors;
}

/** Classes the user probably wants first: cat and dog where they exist (the reference figure). */
function defaultClasses(names: readonly string[]): number[] {
  const found = ["cat", "dog"].map((name) => names.findIndex((n) => n.toLowerCase() === name)).filter((i) => i >= 0);
  return found.length === 2 ? found : names.slice(0, 2).map((_, i) => i);
}

export function createProjectionView(context: AppContext, options: ProjectionViewOptions = {}): View {
  const { dataset, model, store, graph } = context;
  const trueClasses = dataset.classes.length ? dataset.classes : model.classes;
  const nodeInfo = new Map(graph.nodes.map((node) => [node.name, node]));
  let labels: Int32Array | null = null;
  let shown: Shown | null = null;
  let running = false;
  let hovered: number | null = null;
  let trayList: TrayPoint[] = [];
  let colored: Colored | null = null;
  let shownOpacity = -1;
  let pointer: Pointer | null = null;
  const cleanups: (() => void)[] = [];

  const scatter = createScatter({ onPickable: () => pointer?.repick() });
  const canvas = scatter.element;
  /** The layers to fetch around `layer`, the nearest first (ahead first while playing). */
  const around = (layer: number): number[] => {
    const count = shown?.result.layers ?? 0;
    const ahead = player.isPlaying() ? [layer + 1, layer + 2, (layer + 1) % count, (layer + 2) % count] : [];
    return [layer, ...ahead, layer + 1, layer - 1];
  };
  // The fewest points a moving frame drew since the frame rate was last shown (thinned frames).
  let thinnedTo: { points: number; total: number } | null = null;
  const player = createPlayer({
    render(blend, moving) {
      const more = scatter.render(blend, moving);
      const drawn = scatter.lastDrawn();
      if (drawn.opacity !== shownOpacity) points.showOpacity((shownOpacity = drawn.opacity));
      if (drawn.thinned && drawn.points < (thinnedTo?.points ?? Infinity)) thinnedTo = drawn;
      return more;
    },
    ready: (layer) => scatter.hasLayer(layer),
    need: (layer) => shown?.layers.want(around(layer)),
    snapshot: (blend) => scatter.snapshot(blend),
    onLayer(layer) {
      controls.setLayer(layer);
      shown?.layers.want(around(layer));
    },
    onPlaying: (playing) => controls.setPlaying(playing),
    onRest: () => pointer?.repick(),
    onFps(fps) {
      const thinned = thinnedTo
        ? ` · ${thinnedTo.points.toLocaleString()} of ${thinnedTo.total.toLocaleString()} points while moving`
        : "";
      thinnedTo = null;
      fpsText.textContent = `${Math.round(fps)} fps${thinned}`;
    },
  });
  const points = createPointsControl((style) => {
    scatter.setStyle(style);
    player.invalidate();
  });
  scatter.setStyle(points.style());
  const controls = createControls({
    onLayer(layer, scrub) {
      player.pause();
      player.goTo(layer, scrub ? SCRUB_MS : JUMP_MS);
    },
    onPlay: () => (player.isPlaying() ? player.pause() : player.play()),
    onSpeed: (speed) => player.setSpeed(speed),
    onFit(fitted) {
      scatter.setFitted(fitted);
      setHover(null);
      player.invalidate();
    },
  });
  scatter.setFitted(controls.fitted());
  const legend = createLegend(() => recolor());
  const images = createImagePicker({
    size: dataset.size,
    trueClasses,
    classCounts: dataset.labelled ? dataset.class_counts : null,
    labelled: dataset.labelled,
    defaultClasses: defaultClasses(trueClasses),
    hasGrid: options.gridSelection !== undefined,
    evaluate: () => context.evaluate(),
    onChange: () => updateSummary(),
  });
  const layers = createLayerPicker(graph.nodes, () => updateSummary());
  let palette: (key: number) => string = classColor; // the points' class colours, for the card
  const card = createHoverCard({
    classColor: (key) => palette(key),
    api: context.api,
    trueClasses,
    nativeSize: Math.max(model.input_shape[1], model.input_shape[2]),
    labels: () => labels,
    evaluation: () => context.evaluation.get(),
  });
  card.element.id = "projection-hover-card"; // the Data grid has its own #hover-card
  const trayCard = createTrayCard({
    api: context.api,
    trueClasses,
    nativeSize: Math.max(model.input_shape[1], model.input_shape[2]),
  });
  const anchor = el("div", { class: "pj-anchor" });

  const summary = el("div", { class: "pj-summary", id: "projection-summary", "aria-live": "polite" });
  const run = el(
    "button",
    { id: "projection-run", class: "pj-run", title: "Project the chosen images at every chosen layer" },
    "Project",
  );
  const status = el("div", { class: "pj-status", id: "projection-status", "aria-live": "polite" });
  const empty = el(
    "div",
    { class: "pj-empty" },
    el("strong", {}, "How does the network untangle the classes, layer by layer?"),
    el(
      "p",
      {},
      "Choose images and layers on the left and press Project. Each layer's activations are laid out in 2-D (PivotMDS), aligned to the layer before, and animated from layer to layer.",
    ),
  );
  const fpsText = el("span", { class: "pj-fps" });
  const hint = el(
    "div",
    { class: "pj-hint" },
    "scroll: zoom · drag: pan · double-click: reset · click a point: select it",
    " ",
    fpsText,
  );
  const stage = el("div", { class: "pj-stage" }, canvas, legend.element, points.element, empty, hint);
  hint.hidden = true;
  legend.element.hidden = true;
  points.element.hidden = true;
  const element = el(
    "div",
    { class: "pj-view", id: "projection-view" },
    el(
      "aside",
      { class: "pj-side" },
      images.element,
      layers.element,
      el("div", { class: "pj-run-box" }, summary, run, status),
    ),
    el("div", { class: "pj-main" }, stage, controls.element),
    card.element,
    trayCard.element,
    anchor,
  );

  const pick = (): Pick =>
    chooseImages(images.spec(), {
      size: dataset.size,
      labels,
      predictions: context.evaluation.get()?.images.predictions ?? null,
      grid: options.gridSelection?.() ?? null,
    });

  function updateSummary(): void {
    const chosen = pick();
    const n = chosen.indices.length;
    const layerCount = layers.count();
    const parts: string[] = [];
    if (labels && n) {
      const counts = new Map<number, number>();
      for (const i of chosen.indices) counts.set(labels[i] ?? -1, (counts.get(labels[i] ?? -1) ?? 0) + 1);
      const named = [...counts].sort((a, b) => a[0] - b[0]);
      if (named.length <= 4)
        parts.push(named.map(([c, k]) => `${k.toLocaleString()} ${trueClasses[c] ?? "unlabelled"}`).join(", "));
      else parts.push(`${named.length} classes`);
    }
    const layerText = layerCount === null ? "default layers" : `${layerCount} layer${layerCount === 1 ? "" : "s"}`;
    const trayCount = images.includeTray() ? Math.min(MAX_TRAY_POINTS, trayList.length) : 0;
    if (trayCount) parts.push(`${parts.length ? "; " : ""}+ ${trayCount} tray image${trayCount === 1 ? "" : "s"}`);
    const notes = [chosen.note, dataset.labelled && !labels ? "Loading labels…" : ""].filter((note) => note !== "");
    summary.replaceChildren(
      el("strong", {}, `${n.toLocaleString()} image${n === 1 ? "" : "s"}`),
      parts.length ? ` (${parts.join("")})` : "",
      ` × ${layerText}`,
      ...notes.map((note) => el("div", { class: "pj-note" }, note)),
    );
    run.disabled = running || n === 0 || layerCount === 0;
  }

  const colorInputs = (): ColorInputs => ({
    labels,
    predictions: context.evaluation.get()?.images.predictions ?? null,
    trueClasses,
    predictedClasses: model.classes,
  });

  /** Colour the points: each point's entry anew when what it depends on changed (once per
   * colouring), else only the entries' colours (an entry shown or hidden). */
  function recolor(): void {
    if (!shown) return;
    const mode = legend.mode();
    const predictions = context.evaluation.get()?.images.predictions ?? null;
    const same =
      colored?.shown === shown &&
      colored.mode === mode &&
      colored.labels === labels &&
      colored.predictions === predictions;
    if (colored && same) {
      scatter.setEntryColors(entryColors(colored.colors.entries, legend.hidden()));
    } else {
      const colors = pointColors(mode, shown.indices, colorInputs(), shown.tray);
      colored = { shown, mode, labels, predictions, colors };
      palette = colors.palette;
      legend.setEntries(colors.entries);
      scatter.setColors(colors.slots, entryColors(colors.entries, legend.hidden()));
    }
    setHover(null);
    highlight();
  }

  const highlight = (): void => {
    const state = store.get();
    const n = shown?.indices.length ?? 0;
    const trayPoint = (id: string | null): number | null => {
      const j = shown?.tray.findIndex((t) => t.id === id) ?? -1;
      return j < 0 ? null : n + j;
    };
    const at = (index: number): number => shown?.pointOf[index] ?? -1;
    const current = state.tray !== null ? trayPoint(state.tray) : at(state.image) >= 0 ? at(state.image) : null;
    // Outlined: the visible tray points, and the originals of those.
    const visible = (shown?.tray ?? []).filter((_, j) => !legend.hidden().has(trayKey(j)));
    const tray = visible.map((t) => trayPoint(t.id) ?? -1);
    const originals = visible.map((t) => (t.source >= 0 ? at(t.source) : -1));
    scatter.setHighlights({ hover: hovered, current, tray, originals });
    player.invalidate();
  };

  function setHover(point: number | null): void {
    if (point === hovered) return;
    hovered = point;
    highlight();
    const trayPoint = shown && point !== null ? (shown.tray[point - shown.indices.length] ?? null) : null;
    if (point === null || !shown || trayPoint) card.hover(null, null);
    if (!trayPoint) trayCard.hover(null, null);
    if (point === null || !shown) return;
    const at = scatter.clientPosition(point, player.blend());
    const size = scatter.pointSize();
    if (at)
      anchor.style.cssText = `left:${at.x - size / 2}px;top:${at.y - size / 2}px;width:${size}px;height:${size}px`;
    anchor.dataset.index = String(shown.indices[point] ?? -1);
    if (trayPoint) trayCard.hover(trayPoint, anchor);
    else card.hover(shown.indices[point] ?? null, anchor);
  }

  function show(result: ProjectionResult, indices: Int32Array, tray: TrayPoint[]): void {
    player.pause();
    shown?.layers.destroy();
    const pointOf = new Int32Array(dataset.size).fill(-1);
    indices.forEach((index, i) => (pointOf[index] = i));
    const layers = createLayerStore({
      layers: result.layers,
      load: (layer) => projectionApi.layer(result.url, layer, result.count),
      onLoad(layer, coords) {
        markUnplaced(coords);
        scatter.setLayer(layer, coords);
        player.loaded();
      },
      onError: (layer, error) => showError(status, new Error(`Layer ${layer}: ${String(error)}`)),
    });
    const unplaced = markUnplaced(result.first);
    shown = { result, indices, pointOf, tray, layers, unplaced };
    hovered = null;
    scatter.resize();
    scatter.setData(result.layers, result.count);
    scatter.setLayer(0, result.first);
    controls.setNodes(result.nodes, (name) => nodeInfo.get(name) ?? null, result.scores);
    empty.hidden = true;
    hint.hidden = false;
    legend.element.hidden = false;
    points.element.hidden = false;
    fpsText.textContent = "";
    recolor();
    highlight();
    player.setLayers(result.layers);
    layers.want(around(0));
  }

  run.onclick = async () => {
    const chosen = pick();
    if (!chosen.indices.length || running) return;
    running = true;
    updateSummary();
    status.replaceChildren("Projecting…");
    const started = performance.now();
    try {
      // The tray as it is now (images may have been kept or removed since the view opened).
      const tray = images.includeTray() ? (await projectionApi.tray()).slice(-MAX_TRAY_POINTS) : [];
      const indices = withOriginals(
        chosen.indices,
        tray.map((t) => t.source),
        dataset.size,
      );
      const body = { indices: Array.from(indices), nodes: layers.nodes(), pivots: PIVOTS, tray: tray.map((t) => t.id) };
      const total = indices.length + tray.length;
      const job = await context.jobs.run(`Projecting ${total.toLocaleString()} images`, () =>
        projectionApi.start(body),
      );
      const result = await projectionApi.result(job);
      if (result.count !== total) throw new Error(`The server returned ${result.count} points for ${total} images.`);
      show(result, indices, tray);
      const unplaced = shown?.unplaced ?? 0;
      status.replaceChildren(
        `${result.count.toLocaleString()} images × ${result.layers} layers in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        unplaced
          ? el(
              "div",
              { class: "pj-note" },
              `${unplaced.toLocaleString()} image${unplaced === 1 ? "" : "s"} could not be read: not drawn.`,
            )
          : "",
      );
    } catch (error) {
      if (error instanceof JobCancelled) status.replaceChildren("Cancelled.");
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
    onClick(point) {
      const tray = shown?.tray[point - shown.indices.length];
      if (tray) store.update({ tray: tray.id, image: tray.source >= 0 ? tray.source : store.get().image });
      else store.update({ image: shown?.indices[point] ?? store.get().image, tray: null });
    },
    redraw: () => player.invalidate(),
  });

  const resize = new ResizeObserver(() => {
    if (scatter.resize()) player.invalidate();
  });
  resize.observe(stage);

  const onEvaluation = (): void => {
    const evaluated = context.evaluation.get() !== null;
    images.setEvaluated(evaluated);
    legend.setEvaluated(evaluated);
    recolor();
    updateSummary();
  };
  cleanups.push(
    context.evaluation.subscribe(onEvaluation),
    store.subscribe((state, previous) => {
      if (state.image !== previous.image || state.tray !== previous.tray) highlight();
      if (state.tray !== null && state.tray !== previous.tray) refreshTray(true);
    }),
    () => resize.disconnect(),
    () => shown?.layers.destroy(),
    () => player.destroy(),
    () => scatter.destroy(),
    () => card.destroy(),
    () => trayCard.destroy(),
  );
  onEvaluation();

  /** Offer the tray option while the tray has images; tick it when a tray image is current. */
  function refreshTray(tick: boolean): void {
    projectionApi.tray().then(
      (list) => {
        trayList = list;
        images.setTray(list.length, tick);
      },
      (error: unknown) => showError(status, error),
    );
  }
  refreshTray(store.get().tray !== null);

  projectionApi.layers().then(
    (lists) => layers.setLayers(lists),
    (error: unknown) => layers.setError(error instanceof Error ? error.message : String(error)),
  );
  if (dataset.labelled) {
    images.setLabelsReady(false);
    loadLabels(dataset.size).then(
      (loaded) => {
        labels = loaded;
        images.setLabelsReady(true);
        recolor();
        updateSummary();
      },
      (error: unknown) => showError(status, error),
    );
  }

  return {
    element,
    draw() {
      scatter.resize();
      player.invalidate();
    },
    destroy() {
      for (const cleanup of cleanups) cleanup();
    },
  };
}
