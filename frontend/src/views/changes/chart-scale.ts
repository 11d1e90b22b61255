// Axes for the small SVG charts of this section: a linear map from a domain to pixels and round
// tick values.

export interface LinearScale {
  (value: number): number;
  domain: readonly [number, number];
}

/** Maps [d0, d1] onto [r0, r1]; a domain of zero width maps everything to the middle. */
export function linear(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const scale = ((value: number) =>
    d1 === d0 ? (r0 + r1) / 2 : r0 + ((value - d0) / (d1 - d0)) * (r1 - r0)) as LinearScale;
  scale.domain = domain;
  return scale;
}

/** A step of 1, 2 or 5 times a power of ten giving about `count` ticks over `span`. */
export function tickStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** Round ticks covering [low, high] and the domain they span (low rounded down, high up). */
export function niceTicks(low: number, high: number, count = 4): { ticks: number[]; domain: [number, number] } {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return { ticks: [0, 1], domain: [0, 1] };
  if (high <= low) high = low + (low === 0 ? 1 : Math.abs(low) * 0.1);
  const step = tickStep(high - low, count);
  const start = Math.floor(low / step + 1e-9) * step;
  const end = Math.ceil(high / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= end + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { ticks, domain: [start, end] };
}
