// The whole strip as one PNG for a report: a title (image → target, mode, flip), the
// robustness verdict, the frames over their difference maps in the chosen display, each column
// headed by its frame and mean change and footed by its prediction and the target's plain and
// moved probabilities, and the legend of the maps; drawn on a white canvas, saved by the browser.
import { formatPercent } from "../../../ui/dom";
import type { StripPixels, StripResult } from "./strip-api";
import { legendRgba, legendWords } from "./strip-legend";
import { type DiffMode, diffRgba, frameRgba } from "./strip-paint";
import { robustnessMeasure, stripVerdict } from "./strip-robustness";

const INK = "#1f2328";
const MUTED = "#59636e";
const LINE = "#d0d7de";
const FLIP = "#b2182b";
const VERDICT_INK = { "st-robust-good": "#1a7f37", "st-robust-mixed": "#9a6700", "st-robust-poor": FLIP };
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const PAD = 16;
const GAP = 8;
const LINE_H = 17;

const font = (size: number, weight = 400): string => `${weight} ${size}px ${FONT}`;

interface Row {
  label: string;
  cell(f: number): { text: string; ink?: string; bold?: boolean };
}

/** The text rows under the columns: the prediction, and the target's plain and moved
 * probabilities (a channel target: the prediction under the moves instead). */
function footRows(strip: StripResult): Row[] {
  const name = (k: number): string => strip.classes[k] ?? String(k);
  const top = (row: number[] | undefined): number =>
    (row ?? []).reduce((best, p, k, all) => (p > (all[best] ?? -1) ? k : best), 0);
  const rows: Row[] = [
    { label: "predicted", cell: (f) => {
        const k = strip.predictions[f] ?? 0;
        return { text: `${name(k)} ${formatPercent(strip.probs[f]?.[k], 0)}`, ink: f === strip.flip_frame && f > 0 ? FLIP : INK };
      } },
  ]; // prettier-ignore
  if (strip.target.kind === "class") {
    const t = strip.target.index;
    rows.push({
      label: `P(${name(t)}) plain`,
      cell: (f) => ({ text: formatPercent(strip.probs[f]?.[t]), bold: true }),
    });
    rows.push({ label: `P(${name(t)}) under moves`, cell: (f) => ({ text: formatPercent(strip.robust_probs[f]?.[t]), bold: true }) }); // prettier-ignore
  } else {
    rows.push({ label: "predicted under moves", cell: (f) => {
        const k = top(strip.robust_probs[f]);
        return { text: `${name(k)} ${formatPercent(strip.robust_probs[f]?.[k], 0)}` };
      } }); // prettier-ignore
  }
  return rows;
}

function pixels(rgba: Uint8ClampedArray, w: number, h: number): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext("2d");
  if (context) {
    const image = context.createImageData(w, h);
    image.data.set(rgba);
    context.putImageData(image, 0, 0);
  }
  return canvas;
}

export function stripCanvas(
  strip: StripResult,
  frames: StripPixels,
  diffs: StripPixels,
  mode: DiffMode,
  scale: number,
): HTMLCanvasElement {
  const [count, channels, h, w] = frames.shape;
  const zoom = Math.max(1, Math.ceil(112 / Math.max(h, w)));
  const cell = { w: w * zoom, h: h * zoom };
  const verdict = stripVerdict(strip);
  const title =
    `${strip.title} → ${strip.target.name} · ${strip.mode} mode` +
    (strip.flip_frame !== null && strip.flip_frame > 0 ? ` · flips at frame ${strip.flip_frame}` : "");
  const robust = `Under ${strip.robustness_samples} random moves of the last frame: ${robustnessMeasure(strip)} — `;
  const verdictText = `${verdict.word}: ${verdict.meaning}`;
  const moves = `moves: ${strip.transforms}`;
  const words = legendWords(mode, scale);
  const rows = footRows(strip);
  const imageLabels = ["frame", `change, ${mode}`];

  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d");
  if (!context) return canvas;
  const measure = (text: string, size: number, weight = 400): number => {
    context.font = font(size, weight);
    return context.measureText(text).width;
  };
  const labelW = Math.ceil(Math.max(...[...imageLabels, ...rows.map((r) => r.label)].map((t) => measure(t, 12, 600)))) + 12; // prettier-ignore
  const gridW = labelW + count * (cell.w + GAP) - GAP;
  const legendW = 160;
  const textW = Math.max(
    measure(title, 17, 600),
    measure(robust, 13) + measure(verdictText, 13, 600),
    measure(moves, 12),
    measure(`${words.label} ${words.low}`, 12) + legendW + measure(words.high, 12) + 16,
  );
  const top = PAD + 58; // title, robustness, moves
  const grid = top + LINE_H * 2 + 4; // two header lines per column
  const foot = grid + 2 * cell.h + GAP + 8;
  canvas.width = Math.ceil(PAD * 2 + Math.max(gridW, textW));
  canvas.height = Math.ceil(foot + rows.length * LINE_H + 16 + 14 + PAD);
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.textBaseline = "alphabetic";

  const text = (value: string, x: number, y: number, size: number, ink = INK, weight = 400, max?: number): void => {
    context.font = font(size, weight);
    context.fillStyle = ink;
    if (max === undefined) context.fillText(value, x, y);
    else context.fillText(value, x, y, max);
  };
  text(title, PAD, PAD + 15, 17, INK, 600);
  text(robust, PAD, PAD + 36, 13);
  text(verdictText, PAD + measure(robust, 13), PAD + 36, 13, VERDICT_INK[verdict.className], 600);
  text(moves, PAD, PAD + 53, 12, MUTED);

  text(imageLabels[0] ?? "", PAD, grid + cell.h / 2 + 4, 12, MUTED, 600);
  text(imageLabels[1] ?? "", PAD, grid + cell.h + GAP + cell.h / 2 + 4, 12, MUTED, 600);
  rows.forEach((row, r) => text(row.label, PAD, foot + r * LINE_H + 12, 12, MUTED, 600));
  context.imageSmoothingEnabled = false;
  context.strokeStyle = LINE;
  context.lineWidth = 1;
  for (let f = 0; f < count; f++) {
    const left = PAD + labelW + f * (cell.w + GAP);
    const flips = f === strip.flip_frame && f > 0;
    text(f === 0 ? "original" : `frame ${f}${flips ? " · flip" : ""}`, left, top + 13, 12, flips ? FLIP : INK, 600, cell.w); // prettier-ignore
    text(`Δ ${(strip.mean_change[f] ?? 0).toFixed(3)}`, left, top + 13 + LINE_H - 2, 11, MUTED, 400, cell.w);
    context.drawImage(pixels(frameRgba(frames, f), w, h), left, grid, cell.w, cell.h);
    context.drawImage(pixels(diffRgba(diffs, frames, f, mode, scale), w, h), left, grid + cell.h + GAP, cell.w, cell.h); // prettier-ignore
    context.strokeRect(left - 0.5, grid - 0.5, cell.w + 1, cell.h + 1);
    context.strokeRect(left - 0.5, grid + cell.h + GAP - 0.5, cell.w + 1, cell.h + 1);
    rows.forEach((row, r) => {
      const { text: value, ink = INK, bold = false } = row.cell(f);
      text(value, left, foot + r * LINE_H + 12, 12, ink, bold ? 600 : 400, cell.w);
    });
  }

  const legendY = foot + rows.length * LINE_H + 16;
  const lead = `${words.label} ${words.low}`;
  text(lead, PAD, legendY + 10, 12, MUTED);
  const rampX = PAD + measure(lead, 12) + 8;
  context.drawImage(pixels(legendRgba(mode, scale, legendW, channels), legendW, 1), rampX, legendY, legendW, 12);
  context.strokeRect(rampX - 0.5, legendY - 0.5, legendW + 1, 13);
  text(words.high, rampX + legendW + 8, legendY + 10, 12, MUTED);
  return canvas;
}

export function downloadStrip(
  strip: StripResult,
  frames: StripPixels,
  diffs: StripPixels,
  mode: DiffMode,
  scale: number,
): void {
  stripCanvas(strip, frames, diffs, mode, scale).toBlob((blob) => {
    if (!blob) return;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    const slug = (s: string): string => s.replace(/[^a-z0-9]+/gi, "-");
    link.download = `strip-${slug(strip.title)}-${slug(strip.target.name)}-${strip.mode}-${mode}.png`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }, "image/png");
}
