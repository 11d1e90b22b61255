// The whole strip as one PNG: frames over their difference maps, each column captioned with its
// prediction, a title with the target, drawn on a canvas and saved by the browser.
import { formatPercent } from "../../../ui/dom";
import type { StripPixels, StripResult } from "./strip-api";
import { paintDiff, paintFrame } from "./strip-paint";

export function stripCanvas(
  strip: StripResult,
  frames: StripPixels,
  diffs: StripPixels,
  scale: number,
): HTMLCanvasElement {
  const [count, , h, w] = frames.shape;
  const zoom = Math.max(1, Math.ceil(96 / Math.max(h, w)));
  const cell = { w: w * zoom, h: h * zoom };
  const gap = 8;
  const canvas = document.createElement("canvas");
  canvas.width = gap + count * (cell.w + gap);
  canvas.height = 28 + 2 * cell.h + gap + 34;
  const context = canvas.getContext("2d");
  if (!context) return canvas;
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#1f2328";
  context.font = "13px sans-serif";
  context.fillText(
    `${strip.title} → ${strip.target.name}` +
      (strip.flip_frame !== null ? ` (flips at frame ${strip.flip_frame})` : ""),
    gap,
    18,
  );
  context.imageSmoothingEnabled = false;
  const scratch = document.createElement("canvas");
  for (let f = 0; f < count; f++) {
    const left = gap + f * (cell.w + gap);
    paintFrame(scratch, frames, f);
    context.drawImage(scratch, left, 28, cell.w, cell.h);
    paintDiff(scratch, diffs, f, scale);
    context.drawImage(scratch, left, 28 + cell.h + 4, cell.w, cell.h);
    const k = strip.predictions[f] ?? 0;
    context.fillStyle = f === strip.flip_frame ? "#b2182b" : "#1f2328";
    context.font = "11px sans-serif";
    context.fillText(`${f}: ${strip.classes[k] ?? k}`, left, 28 + 2 * cell.h + 20, cell.w);
    context.fillText(formatPercent(strip.probs[f]?.[k]), left, 28 + 2 * cell.h + 34, cell.w);
  }
  return canvas;
}

export function downloadStrip(strip: StripResult, frames: StripPixels, diffs: StripPixels, scale: number): void {
  stripCanvas(strip, frames, diffs, scale).toBlob((blob) => {
    if (!blob) return;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `strip-${strip.title.replace(/[^a-z0-9]+/gi, "-")}-${strip.target.name.replace(/[^a-z0-9]+/gi, "-")}.png`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }, "image/png");
}
