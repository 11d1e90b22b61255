// Attribution overlays: the image in gray under a colour map whose alpha follows |value|, clipped at the map's 99th
// percentile so one hot pixel cannot wash out the rest. Maps >= 0 use an inferno-like scale
// (dark = no attribution); signed maps a blue-white-red one (red: for the class, blue: against).
import { formatNumber } from "../../../ui/colors";
import { el } from "../../../ui/dom";
import type { AttributionMap } from "./attribution-api";

type Rgb = [number, number, number];
const SEQUENTIAL: Rgb[] = [
  [0, 0, 4],
  [66, 10, 104],
  [147, 38, 103],
  [221, 81, 58],
  [252, 165, 10],
  [252, 255, 164],
];
const DIVERGING: Rgb[] = [
  [33, 102, 172],
  [146, 197, 222],
  [247, 247, 247],
  [244, 165, 130],
  [178, 24, 43],
];

function lut(stops: Rgb[]): Uint8ClampedArray {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(x));
    const f = x - k;
    const a = stops[k] ?? [0, 0, 0];
    const b = stops[k + 1] ?? a;
    for (let c = 0; c < 3; c++) table[i * 3 + c] = a[c]! + (b[c]! - a[c]!) * f;
  }
  return table;
}
const SEQUENTIAL_LUT = lut(SEQUENTIAL);
const DIVERGING_LUT = lut(DIVERGING);

/** LUT position of a value: [0, clip] -> 0..255 (sequential), [-clip, clip] -> 0..255 (signed). */
function level(value: number, clip: number, signed: boolean): number {
  const t = clip > 0 ? value / clip : 0;
  const u = signed ? (t + 1) / 2 : t;
  return u <= 0 ? 0 : u >= 1 ? 255 : Math.round(u * 255);
}

/** The map as an RGBA canvas of its own size. Alpha grows with |value| (times `opacity`), so
 * the image shows through where the map is near 0 and the colour marks where it is not. */
function mapCanvas(map: AttributionMap, opacity: number): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.width = map.width;
  canvas.height = map.height;
  const context = canvas.getContext("2d");
  if (!context) return canvas;
  const image = context.createImageData(map.width, map.height);
  const table = map.signed ? DIVERGING_LUT : SEQUENTIAL_LUT;
  const alpha = Math.min(1, Math.max(0, opacity)) * 255;
  for (let i = 0; i < map.values.length; i++) {
    const value = map.values[i] ?? 0;
    const j = level(value, map.clip, map.signed) * 3;
    const strength = map.clip > 0 ? Math.min(1, Math.abs(value) / map.clip) : 0;
    image.data[i * 4] = table[j] ?? 0;
    image.data[i * 4 + 1] = table[j + 1] ?? 0;
    image.data[i * 4 + 2] = table[j + 2] ?? 0;
    image.data[i * 4 + 3] = Math.round(alpha * Math.pow(strength, 0.6)); // mid values stay visible
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** Paint `image` (gray, or in colour without a map) and `map` over it into `canvas` at `size` px. */
export function paintOverlay(
  canvas: HTMLCanvasElement,
  image: HTMLImageElement | null,
  map: AttributionMap | null,
  opacity: number,
  size: number,
): void {
  const ratio = window.devicePixelRatio || 1;
  const width = image?.naturalWidth || map?.width || 1;
  const height = image?.naturalHeight || map?.height || 1;
  const scale = size / Math.max(width, height);
  canvas.width = Math.round(width * scale * ratio);
  canvas.height = Math.round(height * scale * ratio);
  canvas.style.width = `${Math.round(width * scale)}px`;
  canvas.style.height = `${Math.round(height * scale)}px`;
  const context = canvas.getContext("2d");
  if (!context) return;
  context.imageSmoothingEnabled = false; // every input pixel stays visible as a square
  context.fillStyle = "#000";
  context.fillRect(0, 0, canvas.width, canvas.height);
  if (image && image.complete && image.naturalWidth > 0) {
    // Under a map the image is gray and dimmed: colours belong to the map, and bright strokes
    // (white digits) would otherwise hide its light colours.
    context.filter = map ? "grayscale(1) brightness(0.6)" : "none";
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    context.filter = "none";
  }
  if (map) context.drawImage(mapCanvas(map, opacity), 0, 0, canvas.width, canvas.height);
}

/** The colour scale of a map with its values: 0..clip, or -clip..0..+clip with for/against. */
export function heatLegend(map: AttributionMap): HTMLElement {
  const bar = document.createElement("canvas");
  bar.width = 128;
  bar.height = 1;
  const context = bar.getContext("2d");
  const table = map.signed ? DIVERGING_LUT : SEQUENTIAL_LUT;
  if (context) {
    for (let x = 0; x < bar.width; x++) {
      const i = Math.round((x / (bar.width - 1)) * 255) * 3;
      context.fillStyle = `rgb(${table[i]},${table[i + 1]},${table[i + 2]})`;
      context.fillRect(x, 0, 1, 1);
    }
  }
  const clip = formatNumber(map.clip);
  const ends = map.signed
    ? [el("span", {}, `≤ −${clip}`), el("span", {}, "0"), el("span", {}, `≥ ${clip}`)]
    : [el("span", {}, "0"), el("span", {}, `≥ ${clip}`)];
  const caption = map.signed
    ? el("div", { class: "at-legend-caption" }, el("span", {}, "against"), el("span", {}, "for"))
    : null;
  return el("div", { class: "at-legend" }, bar, el("div", { class: "at-legend-ends" }, ...ends), caption);
}
