// A channel's top-k dataset images, each with where the channel fires as a heat overlay (its
// activation map, smoothly enlarged to the image; one scale: the highest activation among
// them). The ranking needs one pass over the dataset per node (a job, cached); after it every
// channel is instant. A click makes the image the current one.
import { JobCancelled } from "../../../state/jobs";
import { formatNumber } from "../../../ui/colors";
import { el, showError } from "../../../ui/dom";
import type { AppContext } from "../../view";
import { channelApi, type TopActivations } from "./channel-api";
import { channelMap, fireGradient, paintFire } from "./fire-overlay";

const K = 9;

export interface TopImages {
  readonly element: HTMLElement;
  show(node: string, channel: number): void;
}

export function createTopImages(context: AppContext): TopImages {
  const body = el("div", { class: "ch-top-body" });
  const reduceSelect = el("select", {
    id: "top-reduce",
    title: "Rank images by the channel's spatial mean or its maximum",
  });
  reduceSelect.append(el("option", { value: "mean" }, "rank by mean"), el("option", { value: "max" }, "rank by max"));
  const overlayToggle = el("input", { type: "checkbox", id: "top-overlay" });
  overlayToggle.checked = true;
  const element = el(
    "section",
    { class: "ch-card", id: "top-images" },
    el(
      "div",
      { class: "ch-card-head" },
      el("h3", {}, "Top images"),
      el("label", { class: "ch-inline" }, overlayToggle, "where it fires"),
      reduceSelect,
    ),
    body,
  );
  let current: { node: string; channel: number } | null = null;
  let request = 0;
  const classes = context.dataset.classes;

  /** Each image's heat overlay, from the node's activations for it (one request each). */
  const paintOverlays = (top: TopActivations, canvases: HTMLCanvasElement[], mine: number): void => {
    top.indices.forEach((index, i) => {
      const canvas = canvases[i];
      if (!canvas) return;
      context.api.activations({ index }, top.node).then(
        (acts) => {
          if (mine === request) paintFire(canvas, channelMap(acts, top.channel), top.overlay_max);
        },
        (error: unknown) => {
          if (mine === request)
            canvas.replaceWith(el("span", { class: "error small", title: String(error) }, "no overlay"));
        },
      );
    });
  };

  const draw = (top: TopActivations, mine: number): void => {
    const overlay = overlayToggle.checked;
    const canvases: HTMLCanvasElement[] = [];
    const figures = top.indices.map((index, i) => {
      const label = top.labels[i] ?? -1;
      const name = label >= 0 ? (classes[label] ?? String(label)) : `#${index}`;
      const heat = overlay ? el("canvas", { class: "ch-top-heat", width: "1", height: "1" }) : null;
      if (heat) canvases.push(heat);
      const figure = el(
        "figure",
        {
          class: "ch-top-item",
          "data-index": String(index),
          title: `image #${index} (${name}) · ${top.reduce} activation ${formatNumber(top.scores[i] ?? 0)} · click to make it the current image`,
        },
        el(
          "div",
          { class: "ch-top-frame" },
          el("img", { src: context.api.imageUrl({ index }, 3), alt: `image ${index}` }),
          heat,
        ),
        el("figcaption", {}, el("span", {}, name), el("span", { class: "muted" }, formatNumber(top.scores[i] ?? 0))),
      );
      figure.onclick = () => context.store.update({ image: index, tray: null });
      return figure;
    });
    const note = !overlay
      ? []
      : top.overlay_max > 0
        ? [
            " Where it fires:",
            el("span", { class: "ch-heat-key", style: `background:${fireGradient()}` }),
            `0 to ${formatNumber(top.overlay_max)}, one scale for the nine (their highest activation); clear where the channel is silent.`,
          ]
        : [" The channel does not fire (no activation above 0) anywhere in these nine."];
    body.replaceChildren(
      el("div", { class: "ch-top-grid" }, ...figures),
      el(
        "p",
        { class: "muted small" },
        `Of ${top.images.toLocaleString()} images, ranked by the spatial ${top.reduce} of ${top.node} · channel ${top.channel}.`,
        ...note,
      ),
    );
    if (overlay) paintOverlays(top, canvases, mine);
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
    body.replaceChildren(
      el(
        "p",
        { class: "muted small" },
        `One pass over the ${context.dataset.size.toLocaleString()} images ranks them for every channel of ${node} (cached).`,
      ),
      button,
    );
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
      else draw(top, mine);
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
