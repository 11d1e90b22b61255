// Colour scales with legends. Class colours: Tableau 10 in its own order (blue, orange, green,
// red, purple, brown, pink, grey, olive, cyan), whose neighbours differ in hue, so that classes
// next to each other (CIFAR-10's cat 3 and dog 5; airplane 0, deer 4 and truck 9) never share
// one; then Tableau 20's light tints of the same ten for classes 10-19, and round again.

const CLASS_PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
  "#aec7e8",
  "#ffbb78",
  "#98df8a",
  "#ff9896",
  "#c5b0d5",
  "#c49c94",
  "#f7b6d2",
  "#c7c7c7",
  "#dbdb8d",
  "#9edae5",
];

export function classColor(index: number): string {
  return CLASS_PALETTE[index % CLASS_PALETTE.length] ?? "#888888";
}

// Viridis, sampled at 9 stops: perceptually uniform, readable in grayscale.
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** Viridis colour for t in [0, 1] as [r, g, b]. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i] ?? [0, 0, 0];
  const b = VIRIDIS[i + 1] ?? a;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** A horizontal legend: the gradient with its low and high values. */
export function viridisLegend(low: number, high: number, label: string): HTMLElement {
  const canvas = document.createElement("canvas");
  canvas.width = 128;
  canvas.height = 10;
  const context = canvas.getContext("2d");
  if (context) {
    for (let x = 0; x < canvas.width; x++) {
      const [r, g, b] = viridis(x / (canvas.width - 1));
      context.fillStyle = `rgb(${r},${g},${b})`;
      context.fillRect(x, 0, 1, canvas.height);
    }
  }
  const legend = document.createElement("div");
  legend.className = "legend";
  legend.append(label, " ", formatNumber(low), " ", canvas, " ", formatNumber(high));
  return legend;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 0.01 || magnitude >= 1e4) ? value.toExponential(2) : value.toFixed(2);
}
