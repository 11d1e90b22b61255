// Pick channels of one node to switch off: a grid of the node's feature maps for the current
// image (one shared colour scale), or numbered chips for vector nodes; a click toggles one,
// and a text box takes numbers and ranges ("3, 7-9").
import type { Activations } from "../../../api/types";
import { viridisLegend } from "../../../ui/colors";
import { el } from "../../../ui/dom";
import { paint, type Scale } from "../../../ui/color-scale";

export interface ChannelPicker {
  readonly element: HTMLElement;
  /** Mark the channels that are switched off. */
  setOff(off: ReadonlySet<number>): void;
}

const CAP = 256;

/** "3, 7-9" as [3, 7, 8, 9]; null where a part is not a number or range within 0..count-1. */
export function parseChannels(text: string, count: number): number[] | null {
  const out: number[] = [];
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) return null;
    const low = Number(match[1]);
    const high = Number(match[2] ?? match[1]);
    if (high < low || high >= count) return null;
    for (let c = low; c <= high; c++) out.push(c);
  }
  return out;
}

export function createChannelPicker(acts: Activations, onToggle: (channel: number) => void): ChannelPicker {
  const [channels = 0, height = 1, width = 1] = acts.shape;
  const maps = acts.shape.length === 3 && height * width > 1;
  const size = maps ? height * width : 1;
  const scale: Scale = { min: acts.min, max: acts.max };
  const tiles = new Map<number, HTMLElement>();
  const grid = el("div", { class: maps ? "ab-grid" : "ab-grid ab-chips", id: "ablation-channels" });
  let showAll = channels <= CAP;
  const more = el("div", { class: "muted ab-more" });

  const tile = (c: number): HTMLElement => {
    const caption = el("figcaption", {}, String(c));
    const figure = el("figure", {
      class: "ab-tile",
      "data-channel": String(c),
      title: `channel ${c}: click to switch off or on`,
    });
    if (maps) {
      const canvas = el("canvas", { class: "ab-canvas" });
      paint(canvas, acts.values, c * size, width, height, scale);
      figure.append(canvas);
    }
    figure.append(caption);
    figure.onclick = () => onToggle(c);
    tiles.set(c, figure);
    return figure;
  };
  const draw = (): void => {
    tiles.clear();
    const count = showAll ? channels : Math.min(CAP, channels);
    grid.replaceChildren(...Array.from({ length: count }, (_, c) => tile(c)));
    if (count < channels) {
      const all = el("button", { class: "link" }, `show all ${channels}`);
      all.onclick = () => {
        showAll = true;
        draw();
      };
      more.replaceChildren(`Showing ${count} of ${channels} channels · `, all, " (or type numbers above)");
    } else {
      more.textContent = maps
        ? `${channels} feature maps, ${height}×${width}, for the current image`
        : `${channels} units`;
    }
  };
  draw();

  const element = el(
    "div",
    { class: "ab-picker" },
    maps ? viridisLegend(acts.min, acts.max, "activation") : null,
    grid,
    more,
  );
  return {
    element,
    setOff(off) {
      for (const [c, figure] of tiles) figure.classList.toggle("off", off.has(c));
    },
  };
}
