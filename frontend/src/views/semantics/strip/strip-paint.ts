// Painting a strip's frames and difference maps into canvases. Differences use a diverging
// scale centred at zero (blue: darker, white: unchanged, red: brighter), one amplitude for the
// whole strip so the change is seen to grow from frame to frame.
import type { StripPixels } from "./strip-api";

const NEGATIVE: [number, number, number] = [33, 102, 172]; // RdBu ends (ColorBrewer)
const POSITIVE: [number, number, number] = [178, 24, 43];

/** The diverging colour of t in [-1, 1]. */
export function diverging(t: number): [number, number, number] {
  const x = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const end = x < 0 ? NEGATIVE : POSITIVE;
  const a = Math.abs(x);
  return [255 + (end[0] - 255) * a, 255 + (end[1] - 255) * a, 255 + (end[2] - 255) * a];
}

/** The per-pixel signed change (mean over channels) of frame f: H × W values. */
export function meanChange(diffs: StripPixels, f: number): Float32Array {
  const [, c, h, w] = diffs.shape;
  const out = new Float32Array(h * w);
  for (let ch = 0; ch < c; ch++) {
    const base = (f * c + ch) * h * w;
    for (let i = 0; i < h * w; i++) out[i] = (out[i] ?? 0) + (diffs.values[base + i] ?? 0) / c;
  }
  return out;
}

/** The largest |mean change| over the strip: the amplitude of the shared scale. */
export function amplitude(diffs: StripPixels): number {
  let top = 0;
  for (let f = 0; f < diffs.shape[0]; f++) for (const v of meanChange(diffs, f)) top = Math.max(top, Math.abs(v));
  return top;
}

function sized(canvas: HTMLCanvasElement, w: number, h: number): CanvasRenderingContext2D | null {
  canvas.width = w;
  canvas.height = h;
  return canvas.getContext("2d");
}

export function paintFrame(canvas: HTMLCanvasElement, frames: StripPixels, f: number): void {
  const [, c, h, w] = frames.shape;
  const context = sized(canvas, w, h);
  if (!context) return;
  const image = context.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) {
      const ch = c === 1 ? 0 : k;
      image.data[i * 4 + k] = Math.round((frames.values[(f * c + ch) * h * w + i] ?? 0) * 255);
    }
    image.data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

export function paintDiff(canvas: HTMLCanvasElement, diffs: StripPixels, f: number, scale: number): void {
  const [, , h, w] = diffs.shape;
  const context = sized(canvas, w, h);
  if (!context) return;
  const image = context.createImageData(w, h);
  const change = meanChange(diffs, f);
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = diverging(scale > 0 ? (change[i] ?? 0) / scale : 0);
    image.data.set([r, g, b, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
}

/** The legend of the difference scale: −A … 0 … +A and how much it is amplified. */
export function divergingLegend(scale: number): HTMLElement {
  const canvas = document.createElement("canvas");
  canvas.width = 128;
  canvas.height = 10;
  const context = canvas.getContext("2d");
  if (context) {
    for (let x = 0; x < canvas.width; x++) {
      const [r, g, b] = diverging((x / (canvas.width - 1)) * 2 - 1);
      context.fillStyle = `rgb(${r},${g},${b})`;
      context.fillRect(x, 0, 1, canvas.height);
    }
  }
  const legend = document.createElement("div");
  legend.className = "st-legend";
  legend.id = "strip-legend";
  const gain = scale > 0 ? ` (shown ×${(1 / scale).toFixed(scale < 0.1 ? 0 : 1)})` : "";
  legend.append(
    `change (mean over channels)${gain}: darker −${scale.toFixed(3)} `,
    canvas,
    ` +${scale.toFixed(3)} brighter`,
  );
  return legend;
}
