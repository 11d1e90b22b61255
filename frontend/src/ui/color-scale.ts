// One shared colour scale per node and image: viridis from the node's min to max, as a lookup
// table so a 1024-channel node paints in a few milliseconds.
import { viridis } from "./colors";

const LUT = new Uint8ClampedArray(256 * 3);
for (let i = 0; i < 256; i++) {
  const [r, g, b] = viridis(i / 255);
  LUT[i * 3] = r;
  LUT[i * 3 + 1] = g;
  LUT[i * 3 + 2] = b;
}

export interface Scale {
  min: number;
  max: number;
}

/** Index into the LUT for a value (a flat scale maps everything to the middle; a value that is
 * not a number, to the low end). */
export function level(scale: Scale, value: number): number {
  const span = scale.max - scale.min;
  if (!(span > 0)) return 128;
  const t = (value - scale.min) / span;
  return !(t > 0) ? 0 : t >= 1 ? 255 : Math.round(t * 255);
}

export function cssColor(scale: Scale, value: number): string {
  const i = level(scale, value) * 3;
  return `rgb(${LUT[i]},${LUT[i + 1]},${LUT[i + 2]})`;
}

/** Paint `count` values starting at `offset` of `values` into a width × height canvas. */
export function paint(
  canvas: HTMLCanvasElement,
  values: Float32Array,
  offset: number,
  width: number,
  height: number,
  scale: Scale,
): void {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (!context) return;
  const image = context.createImageData(width, height);
  const data = image.data;
  const count = width * height;
  for (let i = 0; i < count; i++) {
    const value = values[offset + i];
    const j = level(scale, value === undefined ? NaN : value) * 3;
    const k = i * 4;
    data[k] = LUT[j] ?? 0;
    data[k + 1] = LUT[j + 1] ?? 0;
    data[k + 2] = LUT[j + 2] ?? 0;
    data[k + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}
