// The legend of the difference maps in each display mode: its ramp, painted through the same
// pixel function as the maps themselves, and its words (what the ramp's ends mean, and how much
// the change is amplified), for the view and the downloaded PNG alike.
import type { StripPixels } from "./strip-api";
import { type DiffMode, diffGain, diffRgba } from "./strip-paint";

export const DIFF_MODE_LABELS: Record<DiffMode, string> = {
  signed: "signed (darker / brighter)",
  colour: "colour (the change as RGB)",
  overlay: "overlay (where, on the image)",
  magnitude: "magnitude (how much)",
};

export interface LegendWords {
  label: string;
  low: string;
  high: string;
}

const signedModes = (mode: DiffMode): boolean => mode === "signed" || mode === "colour";

/** The ramp of `mode` at `scale` as `width` × 1 RGBA: what a change from the lowest to the
 * highest value the maps show looks like (the overlay's drawn over mid-grey). */
export function legendRgba(mode: DiffMode, scale: number, width: number, channels: number): Uint8ClampedArray {
  const values = new Float32Array(channels * width);
  for (let x = 0; x < width; x++) {
    const t = width > 1 ? x / (width - 1) : 1;
    const value = signedModes(mode) ? (2 * t - 1) * scale : (t * scale) / Math.sqrt(channels);
    for (let c = 0; c < channels; c++) values[c * width + x] = value;
  }
  const diffs: StripPixels = { shape: [1, channels, 1, width], values };
  const grey: StripPixels = { shape: [1, channels, 1, width], values: new Float32Array(channels * width).fill(0.5) };
  return diffRgba(diffs, grey, 0, mode, scale);
}

function gainWords(mode: DiffMode, scale: number): string {
  const gain = diffGain(mode, scale);
  return gain > 0 ? `, shown ×${gain.toFixed(gain >= 10 ? 0 : 1)}` : "";
}

export function legendWords(mode: DiffMode, scale: number): LegendWords {
  const a = scale.toFixed(3);
  const gain = gainWords(mode, scale);
  if (mode === "signed") return { label: `change, mean over channels${gain}:`, low: `darker −${a}`, high: `+${a} brighter` }; // prettier-ignore
  if (mode === "colour") return { label: `change as colour around grey${gain}:`, low: `−${a}`, high: `+${a} per channel` }; // prettier-ignore
  if (mode === "overlay") return { label: `size of change over the frame${gain}:`, low: "none", high: `${a} (L2 over channels)` }; // prettier-ignore
  return { label: `size of change, L2 over channels${gain}:`, low: "0", high: a };
}

/** The legend element (#strip-legend) of `mode` at `scale`. */
export function diffLegend(mode: DiffMode, scale: number, channels: number): HTMLElement {
  const canvas = document.createElement("canvas");
  canvas.width = 128;
  canvas.height = 10;
  const context = canvas.getContext("2d");
  if (context) {
    const image = context.createImageData(canvas.width, canvas.height);
    const row = legendRgba(mode, scale, canvas.width, channels);
    for (let y = 0; y < canvas.height; y++) image.data.set(row, y * row.length);
    context.putImageData(image, 0, 0);
  }
  const words = legendWords(mode, scale);
  const legend = document.createElement("div");
  legend.className = "st-legend";
  legend.id = "strip-legend";
  legend.append(`${words.label} ${words.low} `, canvas, ` ${words.high}`);
  return legend;
}
