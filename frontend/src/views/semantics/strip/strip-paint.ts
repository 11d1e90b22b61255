// Painting a strip's frames and difference maps. Four ways to show a difference, all with one
// amplitude for the whole strip so that the change is seen to grow from frame to frame:
// "signed" its mean over channels on a diverging scale, "colour" the difference itself as RGB
// around mid-grey, "overlay" its size as a heat map over the frame, "magnitude" its size
// (L2 over channels) on a sequential scale. The pixel functions are pure (RGBA arrays).
import type { StripPixels } from "./strip-api";
import { diverging, magma } from "./strip-colours";

export type DiffMode = "signed" | "colour" | "overlay" | "magnitude";
export const DIFF_MODES: readonly DiffMode[] = ["signed", "colour", "overlay", "magnitude"];

const OVERLAY_ALPHA = 0.85; // the heat map's opacity where the change is largest
const OVERLAY_LOW = 0.3; // the overlay starts in magma's purple: black would only darken

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

/** The per-pixel size of the change (L2 over channels) of frame f: H × W values. */
export function changeMagnitude(diffs: StripPixels, f: number): Float32Array {
  const [, c, h, w] = diffs.shape;
  const out = new Float32Array(h * w);
  for (let ch = 0; ch < c; ch++) {
    const base = (f * c + ch) * h * w;
    for (let i = 0; i < h * w; i++) out[i] = (out[i] ?? 0) + (diffs.values[base + i] ?? 0) ** 2;
  }
  return out.map(Math.sqrt);
}

function largest(values: Iterable<number>, top = 0): number {
  for (const v of values) top = Math.max(top, Math.abs(v));
  return top;
}

/** The amplitude a mode shows the whole strip at: the largest value it maps over all frames. */
export function diffScale(diffs: StripPixels, mode: DiffMode): number {
  if (mode === "colour") return largest(diffs.values);
  const per = mode === "signed" ? meanChange : changeMagnitude;
  let top = 0;
  for (let f = 0; f < diffs.shape[0]; f++) top = largest(per(diffs, f), top);
  return top;
}

/** How much a mode amplifies the change on screen (colour: to reach black or white). */
export function diffGain(mode: DiffMode, scale: number): number {
  if (!(scale > 0)) return 0;
  return mode === "colour" ? 0.5 / scale : 1 / scale;
}

/** Frame f as RGBA (a one-channel image as grey). */
export function frameRgba(frames: StripPixels, f: number): Uint8ClampedArray {
  const [, c, h, w] = frames.shape;
  const out = new Uint8ClampedArray(h * w * 4);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) out[i * 4 + k] = Math.round((frames.values[(f * c + (c === 1 ? 0 : k)) * h * w + i] ?? 0) * 255); // prettier-ignore
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Frame f's difference as RGBA in `mode` at the strip's `scale` (see diffScale); the overlay
 * is drawn over `frames`' frame f. */
export function diffRgba(
  diffs: StripPixels,
  frames: StripPixels,
  f: number,
  mode: DiffMode,
  scale: number,
): Uint8ClampedArray {
  const [, c, h, w] = diffs.shape;
  const gain = diffGain(mode, scale);
  const out = new Uint8ClampedArray(h * w * 4);
  if (mode === "colour") {
    for (let i = 0; i < h * w; i++) {
      for (let k = 0; k < 3; k++) out[i * 4 + k] = Math.round((0.5 + (diffs.values[(f * c + (c === 1 ? 0 : k)) * h * w + i] ?? 0) * gain) * 255); // prettier-ignore
      out[i * 4 + 3] = 255;
    }
    return out;
  }
  if (mode === "signed") {
    const change = meanChange(diffs, f);
    for (let i = 0; i < h * w; i++) out.set([...diverging((change[i] ?? 0) * gain), 255], i * 4);
    return out;
  }
  const size = changeMagnitude(diffs, f);
  if (mode === "magnitude") {
    for (let i = 0; i < h * w; i++) out.set([...magma((size[i] ?? 0) * gain), 255], i * 4);
    return out;
  }
  out.set(frameRgba(frames, f));
  for (let i = 0; i < h * w; i++) {
    const t = Math.min(1, (size[i] ?? 0) * gain);
    const heat = magma(OVERLAY_LOW + (1 - OVERLAY_LOW) * t);
    const alpha = OVERLAY_ALPHA * t;
    for (let k = 0; k < 3; k++) out[i * 4 + k] = (out[i * 4 + k] ?? 0) * (1 - alpha) + (heat[k] ?? 0) * alpha;
  }
  return out;
}

function put(canvas: HTMLCanvasElement, w: number, h: number, rgba: Uint8ClampedArray): void {
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext("2d");
  if (!context) return;
  const image = context.createImageData(w, h);
  image.data.set(rgba);
  context.putImageData(image, 0, 0);
}

export function paintFrame(canvas: HTMLCanvasElement, frames: StripPixels, f: number): void {
  put(canvas, frames.shape[3], frames.shape[2], frameRgba(frames, f));
}

export function paintDiff(
  canvas: HTMLCanvasElement,
  diffs: StripPixels,
  frames: StripPixels,
  f: number,
  mode: DiffMode,
  scale: number,
): void {
  put(canvas, diffs.shape[3], diffs.shape[2], diffRgba(diffs, frames, f, mode, scale));
}
