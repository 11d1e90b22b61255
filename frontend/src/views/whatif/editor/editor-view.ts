// What if → Edit input: edit the current image (occlusion patches, brush, rotate, flip, shift,
// zoom, brightness, contrast, noise, blur) and watch the model react: the edited image's top 5
// and every class's change beside the original, and the selected node's feature maps, updated
// live (debounced, one request in flight). Keep edits in the tray; upload images of your own.
import "./editor.css";
import type { Activations } from "../../../api/types";
import { imageRef, sameImage } from "../../../state/image-ref";
import { el, showError } from "../../../ui/dom";
import { nodeOptionText } from "../../../ui/node-names";
import { createFeatureMaps, type ChannelView, type FeatureSettings } from "../../../ui/feature-maps";
import type { AppContext, View } from "../../view";
import { createAdjustments } from "./adjustments";
import { createBrushColour } from "./brush-colour";
import { createEditCanvas, type Tool, type ToolOptions } from "./edit-canvas";
import { EditHistory, toEdits, type Snapshot } from "./edit-state";
import { decodeFloat32, editorApi, type OcclusionFill, type Preview } from "./editor-api";
import { createOcclusionPanel } from "./occlusion-map";
import { renderComparison } from "./prediction-compare";
import { createTrayStrip } from "./tray-strip";

const DISPLAY = 256;
const DEBOUNCE_MS = 40;

export function createEditorView(context: AppContext): View {
  const [, height, width] = context.model.input_shape;
  const history = new EditHistory();
  const options: ToolOptions = {
    tool: "patch",
    fill: "grey",
    radius: Math.max(1, Math.round(Math.min(width, height) / 16)),
    colour: [0, 0, 0],
  };
  const mapNodes = context.graph.nodes.filter((n) => n.shape.length === 3 && n !== context.graph.nodes[0]);
  const settings: FeatureSettings = { sort: "channel", showAll: false, focus: null };

  // -- tools ---------------------------------------------------------------------------------
  const toolButtons = (["patch", "brush", "erase"] as Tool[]).map((tool) => {
    const button = el(
      "button",
      { "data-tool": tool, "aria-pressed": String(options.tool === tool) },
      { patch: "▭ Occlude", brush: "✎ Paint", erase: "⌫ Erase" }[tool],
    );
    button.onclick = () => {
      options.tool = tool;
      for (const b of toolButtons) b.setAttribute("aria-pressed", String(b.dataset.tool === tool));
    };
    return button;
  });
  const fill = el(
    "select",
    { id: "occlusion-fill", "aria-label": "patch fill" },
    el("option", { value: "grey" }, "grey fill"),
    el("option", { value: "blur" }, "blur fill"),
    el("option", { value: "noise" }, "noise fill"),
  );
  fill.onchange = () => (options.fill = fill.value as OcclusionFill);
  const radius = el("input", {
    type: "range",
    min: "0.5",
    max: String(Math.max(4, Math.round(Math.min(width, height) / 4))),
    step: "0.5",
    value: String(options.radius),
    "aria-label": "brush radius",
    title: "brush radius (pixels)",
  });
  radius.oninput = () => (options.radius = Number(radius.value));
  const colour = createBrushColour((rgb) => (options.colour = rgb));
  const undo = el("button", { id: "undo", title: "Undo (Ctrl+Z)" }, "↶ Undo");
  const redo = el("button", { id: "redo", title: "Redo (Ctrl+Shift+Z)" }, "↷ Redo");
  const reset = el("button", { id: "reset-edits", title: "Back to the unedited image" }, "Reset");
  const toolbar = el(
    "div",
    { class: "we-toolbar" },
    el("div", { class: "segmented" }, ...toolButtons),
    fill,
    el("label", { class: "we-inline" }, "radius ", radius),
    colour.element,
    undo,
    redo,
    reset,
  );

  // -- images, predictions, feature maps -------------------------------------------------------
  const original = el("img", {
    class: "we-image",
    id: "original-image",
    alt: "original image",
    width: String(DISPLAY),
    height: String(Math.round((DISPLAY * height) / width)),
  });
  const originalTitle = el("div", { class: "we-caption" });
  const canvas = createEditCanvas(width, height, DISPLAY, options, (drawn, done) => {
    const next: Snapshot = { ...history.current, drawn };
    if (done) commit(next);
    else preview(next);
  });
  const adjustments = createAdjustments(width, height, (adjust, done) => {
    const next: Snapshot = { ...history.current, adjust };
    if (done) commit(next);
    else preview(next);
  });
  const comparison = el("div", { class: "we-comparison" }, el("p", { class: "muted" }, "Loading predictions…"));
  const nodeSelect = el(
    "select",
    { id: "editor-node", "aria-label": "node" },
    el("option", { value: "" }, "— choose a layer —"),
    ...mapNodes.map((n) => el("option", { value: n.name }, nodeOptionText(n))),
  );
  nodeSelect.onchange = () => context.store.update({ node: nodeSelect.value || null });
  const mapsBody = el("div", { class: "we-maps-body" });
  let maps: ChannelView | null = null;
  const trayStrip = createTrayStrip(context, async () => {
    const state = context.store.get();
    await editorApi.keep(imageRef(state), toEdits(history.current, width, height));
  });
  const occlusion = createOcclusionPanel(context, DISPLAY, () => ({
    ref: imageRef(context.store.get()),
    edits: toEdits(history.current, width, height),
    imageUrl: lastImage,
  }));

  const element = el(
    "div",
    { class: "whatif-editor", id: "whatif-editor" },
    toolbar,
    el(
      "div",
      { class: "we-main" },
      el("div", { class: "we-side" }, el("h3", {}, "Adjust"), adjustments.element),
      el(
        "div",
        { class: "we-pair" },
        el("figure", {}, original, el("figcaption", {}, "Original ", originalTitle)),
        el("figure", {}, canvas.element, el("figcaption", {}, "Edited (draw here)")),
      ),
      comparison,
    ),
    el(
      "div",
      { class: "we-bottom" },
      el("section", { class: "we-panel" }, el("h3", {}, "Tray"), trayStrip.element),
      el("section", { class: "we-panel" }, el("h3", {}, "Occlusion sensitivity"), occlusion.element),
      el(
        "section",
        { class: "we-panel we-maps" },
        el("h3", {}, "Feature maps of the edited image ", nodeSelect),
        mapsBody,
      ),
    ),
  );

  // -- preview requests: debounced, one in flight, the latest wins -----------------------------
  let lastImage = "";
  let timer = 0;
  let inFlight = false;
  let queued: Snapshot | null = null;
  let stale = true;

  const showActivations = (result: Preview): void => {
    const node = context.store.get().node;
    const acts = result.activations;
    if (!node || !acts) {
      maps?.destroy();
      maps = null;
      mapsBody.replaceChildren(
        el(
          "p",
          { class: "muted" },
          "Choose a layer (here or in the Architecture view) to see its feature maps change with the edits.",
        ),
      );
      return;
    }
    const values: Activations = {
      shape: acts.shape,
      values: decodeFloat32(acts.data, acts.shape),
      min: acts.min,
      max: acts.max,
    };
    maps?.destroy();
    maps = createFeatureMaps(values, settings, null);
    mapsBody.replaceChildren(maps.element);
  };

  const send = async (snapshot: Snapshot): Promise<void> => {
    if (inFlight) {
      queued = snapshot;
      return;
    }
    inFlight = true;
    const state = context.store.get();
    const node = state.node !== null && mapNodes.some((n) => n.name === state.node) ? state.node : null;
    try {
      const result = await editorApi.preview(imageRef(state), toEdits(snapshot, width, height), node);
      if (!sameImage(state, context.store.get())) return;
      lastImage = result.image;
      canvas.setImage(result.image);
      comparison.replaceChildren(renderComparison(result, context.model.classes));
      showActivations(result);
    } catch (error) {
      showError(comparison, error);
    } finally {
      inFlight = false;
      const next = queued;
      queued = null;
      if (next) void send(next);
    }
  };

  const preview = (snapshot: Snapshot): void => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void send(snapshot), DEBOUNCE_MS);
  };

  const sync = (): void => {
    const current = history.current;
    adjustments.set(current.adjust);
    canvas.setDrawn(current.drawn);
    undo.disabled = !history.canUndo;
    redo.disabled = !history.canRedo;
    reset.disabled = !history.edited;
    occlusion.invalidate();
    preview(current);
  };
  const commit = (next: Snapshot): void => {
    history.commit(next);
    sync();
  };
  undo.onclick = () => history.undo() && sync();
  redo.onclick = () => history.redo() && sync();
  reset.onclick = () => commit({ adjust: { ...history.current.adjust, ...resetAdjust() }, drawn: [] });
  const resetAdjust = (): Snapshot["adjust"] => new EditHistory().current.adjust;

  const loadImage = (): void => {
    const state = context.store.get();
    const scale = Math.max(1, Math.min(16, Math.ceil(DISPLAY / Math.max(width, height))));
    original.src = context.api.imageUrl(imageRef(state), scale);
    colour.follow(original.src);
    originalTitle.textContent = state.tray !== null ? "(tray image)" : `(image #${state.image})`;
    nodeSelect.value = state.node ?? "";
    history.reset();
    stale = false;
    sync();
  };

  const onKey = (event: KeyboardEvent): void => {
    if (element.offsetParent === null || !(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z") return;
    event.preventDefault();
    if (event.shiftKey ? history.redo() : history.undo()) sync();
  };
  window.addEventListener("keydown", onKey);

  const unsubscribe = context.store.subscribe((state, previous) => {
    const visible = element.offsetParent !== null;
    if (!sameImage(state, previous)) {
      if (visible) loadImage();
      else stale = true;
    } else if (state.node !== previous.node) {
      nodeSelect.value = state.node ?? "";
      if (visible) preview(history.current);
    }
  });

  return {
    element,
    draw() {
      if (stale) loadImage();
    },
    destroy() {
      unsubscribe();
      window.removeEventListener("keydown", onKey);
      window.clearTimeout(timer);
      maps?.destroy();
      canvas.destroy();
      trayStrip.destroy();
    },
  };
}
