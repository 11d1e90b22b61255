// The Channel panel: what one channel of a node responds to. Pick a node and a channel (the
// store's node/channel, shared with the architecture view); see the channel's feature
// visualisation, its top dataset images lit where it fires, its statistics over the dataset,
// and the layer atlas of all the node's channels.
import "./channel.css";
import type { GraphNode } from "../../../api/types";
import { JobCancelled } from "../../../state/jobs";
import { el, showError } from "../../../ui/dom";
import { nodeOptionText } from "../../../ui/node-names";
import type { AppContext, View } from "../../view";
import { channelApi, FEATURE_VIS_STEPS, resultUrl } from "./channel-api";
import { createChannelStatsCard } from "./channel-stats-card";
import { createFeatureVisCheck } from "./featurevis-check";
import { createLayerAtlas } from "./layer-atlas";
import { createTopImages } from "./top-images";

/** Nodes with channels to visualise: everything after the input with a non-empty shape. */
function channelNodes(nodes: readonly GraphNode[]): GraphNode[] {
  return nodes.slice(1).filter((n) => n.shape.length > 0);
}

const channelsOf = (node: GraphNode): number => node.shape[0] ?? 1;

export function createChannelView(context: AppContext): View {
  const nodes = channelNodes(context.graph.nodes);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const fallback = nodes.find((n) => n.op.includes("conv")) ?? nodes[0];
  const output = context.graph.nodes[context.graph.nodes.length - 1];

  const nodeSelect = el("select", { id: "channel-node", title: "The node (layer) whose channel to explain" });
  for (const n of nodes) nodeSelect.append(el("option", { value: n.name }, nodeOptionText(n)));
  const channelInput = el("input", {
    type: "number",
    id: "channel-index",
    min: "0",
    step: "1",
    title: "Channel of the node",
  });
  const previous = el("button", { title: "Previous channel" }, "‹");
  const next = el("button", { title: "Next channel" }, "›");
  const architecture = el(
    "button",
    { class: "link", title: "Show this node in the architecture view" },
    "in the graph ↗",
  );
  const heading = el("h2", { id: "channel-title" });
  const controls = el(
    "div",
    { class: "ch-controls" },
    el("label", { class: "ch-inline" }, "node", nodeSelect),
    el("label", { class: "ch-inline" }, "channel", channelInput),
    el("span", { class: "ch-of muted" }),
    previous,
    next,
    architecture,
  );

  const visBody = el("div", { class: "ch-vis-body" });
  // Visualisations are as small as the input (32 px on CIFAR): shown smoothly enlarged so a
  // reader sees shapes rather than pixel blocks; the box shows the actual pixels.
  const pixelsBox = el("input", { type: "checkbox", id: "feature-vis-pixels" }) as HTMLInputElement;
  // The check's pass ranks the node's top images: show them (read from the cache) at once.
  const check = createFeatureVisCheck(context.jobs, (node, channel) => top.show(node, channel));
  const visCard = el(
    "section",
    { class: "ch-card", id: "feature-vis" },
    el(
      "div",
      { class: "ch-card-head" },
      el("h3", {}, "Feature visualisation"),
      el(
        "label",
        { class: "ch-inline small", title: "Show the image's actual pixels instead of a smooth enlargement" },
        pixelsBox,
        "pixels",
      ),
      check.button,
    ),
    visBody,
    check.element,
  );
  const stats = createChannelStatsCard(context);
  const top = createTopImages(context);
  const atlas = createLayerAtlas(context);
  const element = el(
    "div",
    { class: "ch-view" },
    el("div", { class: "ch-top-row" }, heading, controls),
    el("div", { class: "ch-grid" }, el("div", { class: "ch-left" }, visCard, stats.element), top.element),
    atlas.element,
  );

  // The toggle covers the feature visualisation and the layer atlas alike (both input-sized).
  pixelsBox.addEventListener("change", () => element.classList.toggle("ch-pixelated", pixelsBox.checked));

  const selection = (): { node: GraphNode; channel: number } | null => {
    const state = context.store.get();
    const node = (state.node && byName.get(state.node)) || fallback;
    if (!node) return null;
    const channel = Math.min(Math.max(0, state.channel ?? 0), channelsOf(node) - 1);
    return { node, channel };
  };

  // Colour decorrelation applies to RGB inputs only (see deepling/analysis/featurevis_param.py).
  const recipeColour = context.model.input_shape[0] === 3 ? ", decorrelated colour" : "";
  let visRequest = 0;
  const visualise = async (node: GraphNode, channel: number): Promise<void> => {
    const mine = ++visRequest;
    visBody.replaceChildren(el("p", { class: "muted small" }, "Optimising an image to excite this channel…"));
    try {
      const job = await context.jobs.run(`Feature visualisation ${node.name}:${channel}`, () =>
        channelApi.startFeatureVis(node.name, channel),
      );
      if (mine !== visRequest) return;
      const what =
        node === output && context.model.classes[channel]
          ? `the logit of class “${context.model.classes[channel]}”`
          : `channel ${channel}`;
      visBody.replaceChildren(
        el("img", {
          src: resultUrl(job),
          class: "ch-vis-img",
          id: "feature-vis-image",
          alt: `feature visualisation of ${node.name} channel ${channel}`,
        }),
        el(
          "p",
          { class: "muted small" },
          `The image that most excites ${what} (${FEATURE_VIS_STEPS} steps; Fourier parameterisation${recipeColour}, jitter, scale and rotation robustness). Compare with the top images: shared patterns are what the channel detects.`,
        ),
      );
    } catch (error) {
      if (mine !== visRequest) return;
      if (error instanceof JobCancelled) visBody.replaceChildren(el("p", { class: "muted" }, "Cancelled."));
      else showError(visBody, error);
    }
  };

  let shown = "";
  const render = (): void => {
    const picked = selection();
    if (!picked || element.offsetParent === null) return;
    const { node, channel } = picked;
    const key = `${node.name}:${channel}`;
    nodeSelect.value = node.name;
    channelInput.value = String(channel);
    channelInput.max = String(channelsOf(node) - 1);
    (controls.querySelector(".ch-of") as HTMLElement).textContent = `of ${channelsOf(node)}`;
    previous.disabled = channel <= 0;
    next.disabled = channel >= channelsOf(node) - 1;
    const label = node === output && context.model.classes[channel] ? ` · ${context.model.classes[channel]}` : "";
    heading.textContent = `${node.name} · channel ${channel}${label}`;
    if (key === shown) return;
    shown = key;
    void visualise(node, channel);
    check.show(node.name, channel, node !== output);
    stats.show(node.name, channel);
    top.show(node.name, channel);
    atlas.show(node.name, channelsOf(node), channel);
  };

  const choose = (node: string, channel: number): void => context.store.update({ node, channel });
  nodeSelect.onchange = () => choose(nodeSelect.value, 0);
  channelInput.onchange = () => {
    const picked = selection();
    const value = Math.round(Number(channelInput.value));
    if (picked && Number.isFinite(value))
      choose(picked.node.name, Math.min(Math.max(0, value), channelsOf(picked.node) - 1));
  };
  previous.onclick = () => {
    const picked = selection();
    if (picked) choose(picked.node.name, picked.channel - 1);
  };
  next.onclick = () => {
    const picked = selection();
    if (picked) choose(picked.node.name, picked.channel + 1);
  };
  architecture.onclick = () => context.store.update({ section: "architecture", panel: null });

  const unsubscribe = context.store.subscribe((state, before) => {
    if (
      state.node !== before.node ||
      state.channel !== before.channel ||
      state.section !== before.section ||
      state.panel !== before.panel
    )
      render();
  });

  return {
    element,
    draw: render,
    destroy() {
      visRequest++;
      check.destroy();
      unsubscribe();
      atlas.destroy();
    },
  };
}
