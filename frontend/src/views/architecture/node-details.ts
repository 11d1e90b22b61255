// The details panel (#node-details): what the selected node is, its activations for the current
// image (re-fetched when the image changes) and its channel statistics over the dataset.
// With no node selected it summarises the model.
import type { Activations, ChannelStats, GraphNode } from "../../api/types";
import { imageRef, type ImageRef } from "../../state/image-ref";
import { el, formatShape, showError } from "../../ui/dom";
import type { AppContext } from "../view";
import { ablateChannelAction, explainChannelAction } from "./channel-actions";
import { createChannelStats, type StatsSection } from "./channel-stats";
import { createFeatureMaps, type ChannelView, type FeatureSettings } from "../../ui/feature-maps";
import { opKind } from "./op-style";
import { createScalarView, createVectorView } from "./vector-view";

export interface NodeDetails {
  readonly element: HTMLElement;
  show(name: string | null): void;
  setImage(image: ImageRef): void;
  destroy(): void;
}

const CACHE_SIZE = 8;

export function createNodeDetails(context: AppContext, onSelect: (name: string) => void): NodeDetails {
  const element = el("aside", { id: "node-details", class: "arch-details" });
  const byName = new Map(context.graph.nodes.map((n) => [n.name, n]));
  const consumers = new Map<string, string[]>();
  for (const node of context.graph.nodes)
    for (const input of node.inputs) consumers.set(input, [...(consumers.get(input) ?? []), node.name]);
  const output = context.graph.nodes[context.graph.nodes.length - 1];
  const cache = new Map<string, Promise<Activations>>();
  const settings: FeatureSettings = { sort: "channel", showAll: false, focus: null };

  let current: GraphNode | null = null;
  let maps: ChannelView | null = null;
  let stats: ChannelStats | null = null;
  let statsSection: StatsSection | null = null;
  let request = 0;
  const mapsBody = el("div", { class: "maps-body" });
  const mapsTitle = el("span", { class: "muted" });

  const activations = (image: ImageRef, name: string): Promise<Activations> => {
    const key = `${"tray" in image ? `tray=${image.tray}` : `index=${image.index}`}:${name}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = context.api.activations(image, name);
      entry.catch(() => cache.delete(key));
      cache.set(key, entry);
      if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value ?? key);
    }
    return entry;
  };

  const link = (name: string): HTMLElement => {
    const node = byName.get(name);
    const button = el(
      "button",
      { class: "link node-link", "data-link": name, title: node ? `${node.op} ${formatShape(node.shape)}` : name },
      name,
    );
    button.onclick = () => onSelect(name);
    return button;
  };

  const info = (node: GraphNode): HTMLElement => {
    const rows: [string, Node | string][] = [
      ["op", node.op],
      ["output", formatShape(node.shape)],
      ["module", node.module_path || "(root)"],
      ["target", node.target || "–"],
      ["params", node.params.toLocaleString()],
    ];
    const list = (names: readonly string[]): Node | string =>
      names.length ? el("span", { class: "links" }, ...names.map(link)) : "–";
    rows.push(["inputs", list(node.inputs)], ["used by", list(consumers.get(node.name) ?? [])]);
    return el(
      "section",
      { class: "arch-section" },
      el(
        "h2",
        {},
        el("span", { class: `op-pill kind-${opKind(node.op)}` }, node.op),
        el("span", { class: "node-name" }, node.name),
      ),
      el(
        "dl",
        { class: "kv" },
        ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { class: k === "target" ? "target" : "" }, v)]),
      ),
    );
  };

  const channelView = (acts: Activations, node: GraphNode): ChannelView => {
    const shape = node.shape.length === acts.shape.length ? acts.shape : node.shape;
    if (shape.length === 0 || (acts.values.length === 1 && shape.length <= 1)) return createScalarView(acts);
    const [first = 1, ...rest] = shape;
    const spatial = rest.reduce((a, b) => a * b, 1);
    if (shape.length === 1 || spatial === 1) {
      const labels = node === output && first === context.model.classes.length ? context.model.classes : null;
      return createVectorView({ ...acts, shape: [acts.values.length] }, labels, stats);
    }
    const asMaps =
      shape.length === 2
        ? [1, first, spatial]
        : shape.length === 3
          ? shape
          : [first, spatial / (rest[rest.length - 1] ?? 1), rest[rest.length - 1] ?? 1];
    const actions =
      asMaps[0] === first ? [ablateChannelAction(context, node.name), explainChannelAction(context, node.name)] : []; // tiles are channels
    const onFocus = (channel: number | null): void => {
      if (channel !== null && asMaps[0] === first) context.store.update({ channel });
    };
    return createFeatureMaps({ ...acts, shape: asMaps }, settings, stats, actions, onFocus);
  };

  const loadMaps = async (image: ImageRef): Promise<void> => {
    const node = current;
    if (!node) return;
    const mine = ++request;
    mapsTitle.textContent = "tray" in image ? "tray image" : `image #${image.index}`;
    mapsBody.classList.add("loading");
    if (!maps) mapsBody.replaceChildren(el("p", { class: "muted" }, "Loading activations…"));
    try {
      const acts = await activations(image, node.name);
      if (mine !== request) return;
      maps?.destroy();
      maps = channelView(acts, node);
      mapsBody.replaceChildren(maps.element);
    } catch (error) {
      if (mine !== request) return;
      maps?.destroy();
      maps = null;
      showError(mapsBody, error);
    } finally {
      if (mine === request) mapsBody.classList.remove("loading");
    }
  };

  const overview = (): HTMLElement => {
    const counts = new Map<string, number>();
    for (const node of context.graph.nodes) counts.set(node.op, (counts.get(node.op) ?? 0) + 1);
    const ops = [...counts].sort((a, b) => b[1] - a[1]);
    return el(
      "section",
      { class: "arch-section overview" },
      el("h2", {}, context.model.name),
      el(
        "dl",
        { class: "kv" },
        el("dt", {}, "ops"),
        el("dd", {}, String(context.graph.nodes.length)),
        el("dt", {}, "parameters"),
        el("dd", {}, context.model.parameters.toLocaleString()),
        el("dt", {}, "input"),
        el("dd", {}, formatShape(context.model.input_shape)),
        el("dt", {}, "classes"),
        el("dd", {}, String(context.model.classes.length)),
      ),
      el(
        "div",
        { class: "op-counts" },
        ...ops.map(([op, n]) => el("span", { class: `op-pill kind-${opKind(op)}` }, `${op} ${n}`)),
      ),
      el(
        "p",
        { class: "muted hint" },
        "Click a node to see its details, its feature maps for the current image and its channel statistics over the dataset. Click a group to expand it; drag to pan, wheel or − / + to zoom, Fit to see it whole again.",
      ),
    );
  };

  const show = (name: string | null): void => {
    const node = name === null ? null : (byName.get(name) ?? null);
    if (node === current && node !== null) return;
    request++;
    maps?.destroy();
    maps = null;
    statsSection?.destroy();
    statsSection = null;
    stats = null;
    current = node;
    settings.focus = null;
    settings.showAll = false;
    element.scrollTop = 0;
    if (!node) {
      element.replaceChildren(overview());
      return;
    }
    statsSection = createChannelStats(
      context,
      node,
      (s) => {
        stats = s;
        maps?.setStats(s);
      },
      (channel) => maps?.focus(channel),
    );
    mapsBody.replaceChildren();
    element.replaceChildren(
      info(node),
      el("section", { class: "arch-section" }, el("h3", {}, "Activations ", mapsTitle), mapsBody),
      statsSection.element,
    );
    void loadMaps(imageRef(context.store.get()));
  };

  return {
    element,
    show,
    setImage(image) {
      if (current) void loadMaps(image);
    },
    destroy() {
      request++;
      maps?.destroy();
      statsSection?.destroy();
    },
  };
}
