// Where a channel fires, as a heat overlay drawn over the untouched image: transparent where the
// channel is silent, red to yellow and more opaque as it fires harder. Dimming the image instead
// turns a black-background digit (MNIST) all black; a tint reads on dark and light images alike.
import type { Activations } from "../../../api/types";

// Red → orange → yellow: visible on black, on white and on photographs.
const RAMP: [number, number, number][] = [
  [200, 20, 30],
  [245, 100, 10],
  [255, 220, 0],
];
const OPACITY = 0.6; // at the highest activation: the image still shows through, strokes and all

export function fireColour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const a = RAMP[i] ?? [0, 0, 0];
  const b = RAMP[i + 1] ?? a;
  const f = x - i;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** The CSS gradient of the ramp, for the legend. */
export function fireGradient(): string {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => {
    const [r, g, b] = fireColour(t);
    return `rgba(${Math.round(r)},${Math.round(g)},${Math.round(b)},${(OPACITY * t ** 0.7).toFixed(2)}) ${t * 100}%`;
  });
  return `linear-gradient(to right,${stops.join(",")})`;
}

/** One channel of a node's activations for one image: its map (H × W), or for a node without a
 * spatial map one value over the whole image (as the server's channel_regions). */
export function channelMap(
  acts: Activations,
  channel: number,
): { values: Float32Array; width: number; height: number } {
  const [, height = 1, width = 1] = acts.shape;
  const size = acts.shape.slice(1).reduce((a, b) => a * b, 1);
  const values = acts.values.subarray(channel * size, (channel + 1) * size);
  if (acts.shape.length === 3) return { values, width, height };
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return { values: Float32Array.of(mean), width: 1, height: 1 };
}

/** Paint the map on `canvas` at its own resolution; CSS scales it smoothly over the image
 * (bilinear, as the server upsamples it). `vmax`: the activation shown at full heat. */
export function paintFire(
  canvas: HTMLCanvasElement,
  map: { values: Float32Array; width: number; height: number },
  vmax: number,
): void {
  canvas.width = map.width;
  canvas.height = map.height;
  const context = canvas.getContext("2d");
  if (!context) return;
  const pixels = context.createImageData(map.width, map.height);
  for (let i = 0; i < map.values.length; i++) {
    const t = vmax > 0 ? Math.min(1, Math.max(0, (map.values[i] ?? 0) / vmax)) : 0;
    const [r, g, b] = fireColour(t);
    pixels.data.set([r, g, b, 255 * OPACITY * t ** 0.7], i * 4);
  }
  context.putImageData(pixels, 0, 0);
}
