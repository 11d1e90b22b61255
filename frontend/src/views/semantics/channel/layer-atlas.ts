// The layer atlas: the feature visualisation of every channel of a node, computed as one batch
// (a job, cached) and shown as a grid. Each tile carries its channel number and a tooltip (node,
// channel and, once the node's channel statistics exist, its mean activation); a click on a
// tile selects that channel.
import type { ChannelStats } from "../../../api/types";
import { JobCancelled } from "../../../state/jobs";
import { formatNumber } from "../../../ui/colors";
import { el, showError } from "../../../ui/dom";
import type { AppContext } from "../../view";
import { channelApi, type Atlas } from "./channel-api";

export interface LayerAtlas {
  readonly element: HTMLElement;
  show(node: string, channels: number, channel: number): void;
  destroy(): void;
}

export function createLayerAtlas(context: AppContext): LayerAtlas {
  const body = el("div", { class: "ch-atlas-body" });
  const element = el(
    "section",
    { class: "ch-card ch-atlas", id: "layer-atlas" },
    el("div", { class: "ch-card-head" }, el("h3", {}, "Layer atlas")),
    body,
  );
  let node = "";
  let channel = 0;
  let atlas: Atlas | null = null;
  let marker: HTMLElement | null = null;
  let request = 0;

  const place = (): void => {
    if (!atlas || !marker) return;
    const col = channel % atlas.cols;
    const row = Math.floor(channel / atlas.cols);
    const width = atlas.cols * (atlas.tileWidth + 1) - 1;
    const height = atlas.rows * (atlas.tileHeight + 1) - 1;
    marker.style.left = `${((col * (atlas.tileWidth + 1)) / width) * 100}%`;
    marker.style.top = `${((row * (atlas.tileHeight + 1)) / height) * 100}%`;
    marker.style.width = `${(atlas.tileWidth / width) * 100}%`;
    marker.style.height = `${(atlas.tileHeight / height) * 100}%`;
  };

  /** Tooltips with the mean activation where the statistics job has run (cheap to ask);
   * resolves true once the statistics were there. */
  const label = (name: string, c: number, stats: ChannelStats | null): string => {
    const mean = stats?.mean[c];
    return `${name} · channel ${c}${mean === undefined ? "" : ` · mean activation ${formatNumber(mean)}`}: click to open`;
  };
  const describe = async (tiles: HTMLElement[], name: string, mine: number): Promise<boolean> => {
    const stats = await context.api.channelStats(name).catch(() => null); // then node and channel only
    if (mine !== request) return false;
    tiles.forEach((tile, c) => (tile.title = label(name, c, stats)));
    return stats !== null;
  };

  const draw = (result: Atlas, mine: number): void => {
    if (atlas) URL.revokeObjectURL(atlas.url);
    atlas = result;
    const image = el("img", { src: result.url, alt: `layer atlas of ${node}`, class: "ch-atlas-img" });
    marker = el("div", { class: "ch-atlas-marker" });
    // One button per tile over the image, placed like the marker (the image has 1 px gaps).
    const width = result.cols * (result.tileWidth + 1) - 1;
    const height = result.rows * (result.tileHeight + 1) - 1;
    const tiles = Array.from({ length: result.channels }, (_, c) => {
      const tile = el(
        "button",
        { class: "ch-atlas-tile", "data-channel": String(c), title: label(node, c, null) },
        el("span", { class: "ch-atlas-number" }, String(c)),
      );
      tile.style.left = `${(((c % result.cols) * (result.tileWidth + 1)) / width) * 100}%`;
      tile.style.top = `${((Math.floor(c / result.cols) * (result.tileHeight + 1)) / height) * 100}%`;
      tile.style.width = `${(result.tileWidth / width) * 100}%`;
      tile.style.height = `${(result.tileHeight / height) * 100}%`;
      tile.onclick = () => context.store.update({ channel: c });
      return tile;
    });
    let described = false;
    const refresh = (): void => {
      if (!described) void describe(tiles, node, mine).then((known) => (described = known));
    };
    refresh();
    const frame = el("div", { class: "ch-atlas-frame" }, image, ...tiles, marker);
    frame.style.maxWidth = `${result.cols * 72}px`;
    // The statistics may have been computed since (the Statistics card): refresh the tooltips.
    frame.onpointerenter = refresh;
    body.replaceChildren(
      el(
        "p",
        { class: "muted small" },
        `${result.channels} channels of ${node}, each optimised to excite its own channel (one batch). Click a tile to open that channel.`,
      ),
      frame,
    );
    place();
  };

  const ask = (channels: number, error?: unknown): void => {
    const button = el("button", { id: "atlas-button" }, `Visualise all ${channels} channels`);
    button.onclick = async () => {
      const mine = ++request;
      const name = node;
      button.disabled = true;
      try {
        const job = await context.jobs.run(`Layer atlas ${name}`, () => channelApi.startAtlas(name));
        const result = await channelApi.atlas(job);
        if (mine === request) draw(result, mine);
        else URL.revokeObjectURL(result.url);
      } catch (e) {
        if (mine === request) ask(channels, e instanceof JobCancelled ? undefined : e);
      }
    };
    body.replaceChildren(
      el(
        "p",
        { class: "muted small" },
        "Feature visualisations of every channel of this node, computed together as one batch.",
      ),
      button,
    );
    if (error !== undefined) {
      const message = el("div");
      showError(message, error);
      body.prepend(message);
    }
  };

  return {
    element,
    show(name, channels, picked) {
      channel = picked;
      if (name === node && atlas) {
        place();
        return;
      }
      node = name;
      request++;
      if (atlas) URL.revokeObjectURL(atlas.url);
      atlas = null;
      marker = null;
      ask(channels);
    },
    destroy() {
      request++;
      if (atlas) URL.revokeObjectURL(atlas.url);
    },
  };
}
