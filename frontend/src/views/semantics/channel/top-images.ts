// A channel's top-k dataset images, each lit where the channel fires (the activation map
// upsampled to the image; one scale: the highest activation among them). The ranking needs
// one pass over the dataset per node (a job, cached); after it every channel is instant.
// A click makes the image the current one.
import { JobCancelled } from "../../../state/jobs";
import { formatNumber } from "../../../ui/colors";
import { el, showError } from "../../../ui/dom";
import type { AppContext } from "../../view";
import { channelApi, type TopActivations } from "./channel-api";

const K = 9;

export interface TopImages {
  readonly element: HTMLElement;
  show(node: string, channel: number): void;
}

export function createTopImages(context: AppContext): TopImages {
  const body = el("div", { class: "ch-top-body" });
  const reduceSelect = el("select", { id: "top-reduce", title: "Rank images by the channel's spatial mean or its maximum" });
  reduceSelect.append(el("option", { value: "mean" }, "rank by mean"), el("option", { value: "max" }, "rank by max"));
  const overlayToggle = el("input", { type: "checkbox", id: "top-overlay" });
  overlayToggle.checked = true;
  const element = el(
    "section",
    { class: "ch-card", id: "top-images" },
    el("div", { class: "ch-card-head" }, el("h3", {}, "Top images"), el("label", { class: "ch-inline" }, overlayToggle, "where it fires"), reduceSelect),
    body,
  );
  let current: { node: string; channel: number } | null = null;
  let request = 0;
  const classes = context.dataset.classes;

  const draw = (top: TopActivations): void => {
    const overlay = overlayToggle.checked;
    const figures = top.indices.map((index, i) => {
      const src = overlay ? channelApi.overlayUrl(top.node, top.channel, index, top.overlay_max, 3) : context.api.imageUrl(index, 3);
      const label = top.labels[i] ?? -1;
      const figure = el(
        "figure",
        { class: "ch-top-item", "data-index": String(index), title: `image #${index} · click to make it the current image` },
        el("img", { src, alt: `image ${index}` }),
        el("figcaption", {}, el("span", {}, label >= 0 ? classes[label] ?? String(label) : `#${index}`), el("span", { class: "muted" }, formatNumber(top.scores[i] ?? 0))),
      );
      figure.onclick = () => context.store.update({ image: index, tray: null });
      return figure;
    });
    body.dataset.shown = `${top.node}:${top.channel}`;
    body.replaceChildren(
      el("div", { class: "ch-top-grid" }, ...figures),
      el("p", { class: "muted small" }, `Of ${top.images.toLocaleString()} images, ranked by the channel's spatial ${top.reduce}. ${overlay ? "Dimmed where the channel is silent (one scale for the nine: their highest activation)." : ""}`),
    );
  };

  const ask = (node: string, error?: unknown): void => {
    const button = el("button", { class: "primary", id: "top-images-button" }, "Find top images");
    button.onclick = async () => {
      button.disabled = true;
      try {
        await context.jobs.run("Top images", () => channelApi.startTopTable(node));
        void load();
      } catch (e) {
        if (!(e instanceof JobCancelled)) ask(node, e);
        else ask(node);
      }
    };
    body.replaceChildren(el("p", { class: "muted small" }, `One pass over the ${context.dataset.size.toLocaleString()} images ranks them for every channel of ${node} (cached).`), button);
    if (error !== undefined) {
      const message = el("div");
      showError(message, error);
      body.prepend(message);
    }
  };

  const load = async (): Promise<void> => {
    if (!current) return;
    const { node, channel } = current;
    const mine = ++request;
    try {
      const top = await channelApi.top(node, channel, K, reduceSelect.value as "mean" | "max");
      if (mine !== request) return;
      if (top === null) ask(node);
      else draw(top);
    } catch (error) {
      if (mine === request) showError(body, error);
    }
  };
  reduceSelect.onchange = () => void load();
  overlayToggle.onchange = () => void load();

  return {
    element,
    show(node, channel) {
      current = { node, channel };
      void load();
    },
  };
}
