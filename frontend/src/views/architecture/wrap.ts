// Cuts a laid-out graph (one tall column, as ELK lays it out top to bottom) into columns side by
// side, read like a newspaper: a 27-op chain then fits a panel at a readable size, where one
// column would be shrunk until its text cannot be read. Cuts fall between rows of boxes (never
// through a box or a frame's header or bottom), preferably where one edge crosses (between
// blocks, not through a residual block) and outside frames. An edge cut by a column break runs
// down out of its column, up the gutter and into the top of the next; a frame cut in two has a
// "(cont.)" header atop the next column. Pure geometry: no second ELK run, so a resized panel
// is re-wrapped at once.
import { FRAME_BOTTOM, FRAME_TOP, HEADER_HEIGHT, type EdgeLine, type Item, type Layout } from "./layout";

/** Between columns: the wrapped edges run up its middle. */
export const GUTTER = 44;
/** Above and below the columns: where the wrapped edges turn. */
const LANE = 14;
const PAD = 12; // as ELK's root padding
const TOP = LANE + PAD; // where a column's content starts
/** A continued frame's header, per nesting level. */
export const CONTINUED_ROW = HEADER_HEIGHT + 4;
const LANE_STEP = 4; // between wrapped edges crossing the same cut
const MIN_GAP = 4;
const SLACK = 1.08; // a column may be this much taller than the shortest partition's, for a cheaper cut
const MAX_COLUMNS = 12;

export interface Cut {
  y: number;
  /** Edges crossing the cut (each becomes a wrapped edge). */
  crossings: number;
  /** Nesting depth of the frames the cut goes through (0: between top-level boxes). */
  depth: number;
}

/** Where the layout may be cut: the middle of each gap between rows of boxes. */
export function cutCandidates(layout: Layout): Cut[] {
  const solid: [number, number][] = [];
  const frames: Item[] = [];
  for (const item of layout.items) {
    if (item.type === "frame") {
      frames.push(item);
      solid.push([item.y - 1, item.y + FRAME_TOP], [item.y + item.height - FRAME_BOTTOM, item.y + item.height + 1]);
    } else {
      solid.push([item.y - 2, item.y + item.height + 2]);
    }
  }
  solid.sort((a, b) => a[0] - b[0]);
  const ys: number[] = [];
  let reach = Number.NEGATIVE_INFINITY;
  for (const [top, bottom] of solid) {
    if (reach > Number.NEGATIVE_INFINITY && top - reach >= MIN_GAP) ys.push((top + reach) / 2);
    reach = Math.max(reach, bottom);
  }
  // Edges run downwards: one crosses y where its first and last points lie either side.
  const ranges = layout.edges.map((edge) => {
    let top = Infinity;
    let bottom = -Infinity;
    for (const p of edge.points) {
      top = Math.min(top, p.y);
      bottom = Math.max(bottom, p.y);
    }
    return [top, bottom] as const;
  });
  const frameSpans = frames.map((f) => [f.y, f.y + f.height, f.type === "frame" ? f.group.depth : 0] as const);
  return ys.map((y) => ({
    y,
    crossings: ranges.reduce((n, [top, bottom]) => n + (top < y && y < bottom ? 1 : 0), 0),
    depth: frameSpans.reduce((d, [top, bottom, depth]) => (top < y && y < bottom ? Math.max(d, depth) : d), 0),
  }));
}

/**
 * At most `columns` columns, as short as possible: the tallest column's height is minimised
 * first (binary search on it, greedy filling), then, within a few percent of it, the cuts that
 * split the fewest edges and frames are taken (dynamic programming).
 */
export function partition(layout: Layout, cuts: readonly Cut[], columns: number): Cut[] {
  if (columns <= 1 || !cuts.length) return [];
  const points: Cut[] = [{ y: 0, crossings: 0, depth: 0 }, ...cuts, { y: layout.height, crossings: 0, depth: 0 }];
  const last = points.length - 1;
  const y = (i: number): number => points[i]?.y ?? 0;
  const height = (i: number, j: number): number => y(j) - y(i) + (points[i]?.depth ?? 0) * CONTINUED_ROW;
  const count = (limit: number): number => {
    let n = 0;
    for (let i = 0; i < last; n++) {
      let j = i + 1;
      while (j < last && height(i, j + 1) <= limit) j++;
      i = j;
    }
    return n;
  };
  let lo = 0;
  for (let i = 0; i < last; i++) lo = Math.max(lo, height(i, i + 1));
  let hi = height(0, last);
  for (let step = 0; step < 30 && hi - lo > 1; step++) {
    const mid = (lo + hi) / 2;
    if (count(mid) <= columns) hi = mid;
    else lo = mid;
  }
  const limit = Math.max(hi * SLACK, lo);
  const cost = (i: number): number => (points[i]?.crossings ?? 0) + 0.7 * (points[i]?.depth ?? 0);
  // best[c][j]: the cheapest way to end column c (1-based) at point j; from[c][j]: where it began.
  const best: number[][] = [];
  const from: number[][] = [];
  for (let c = 1; c <= columns; c++) {
    const row = new Array<number>(last + 1).fill(Number.POSITIVE_INFINITY);
    const back = new Array<number>(last + 1).fill(-1);
    for (let j = 1; j <= last; j++) {
      if (c === 1) {
        if (height(0, j) <= limit) row[j] = 0;
        continue;
      }
      for (let i = j - 1; i >= 1 && y(j) - y(i) <= limit; i--) {
        if (height(i, j) > limit) continue;
        const value = (best[c - 2]?.[i] ?? Number.POSITIVE_INFINITY) + cost(i);
        if (value < (row[j] ?? Number.POSITIVE_INFINITY)) {
          row[j] = value;
          back[j] = i;
        }
      }
    }
    best.push(row);
    from.push(back);
  }
  let columnsUsed = 0;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let c = 1; c <= columns; c++) {
    const value = best[c - 1]?.[last] ?? Number.POSITIVE_INFINITY;
    if (value < bestCost) {
      bestCost = value;
      columnsUsed = c;
    }
  }
  if (!columnsUsed) return [];
  const chosen: Cut[] = [];
  for (let c = columnsUsed, j = last; c > 1; c--) {
    j = from[c - 1]?.[j] ?? -1;
    const point = points[j];
    if (j < 1 || !point) return [];
    chosen.unshift(point);
  }
  return chosen;
}

interface Band {
  top: number;
  bottom: number;
  depth: number;
  minX: number;
  maxX: number;
  dx: number;
  dy: number;
}

type Point = { x: number; y: number };

/** The layout cut at `cuts` (ascending), its columns placed side by side. */
export function wrapAt(layout: Layout, cuts: readonly Cut[]): Layout {
  if (!cuts.length) return layout;
  const bounds = [{ y: 0, depth: 0 }, ...cuts, { y: layout.height, depth: 0 }];
  const bands: Band[] = [];
  for (let j = 0; j + 1 < bounds.length; j++) {
    const top = bounds[j]?.y ?? 0;
    const depth = bounds[j]?.depth ?? 0;
    bands.push({
      top,
      bottom: bounds[j + 1]?.y ?? 0,
      depth,
      minX: Infinity,
      maxX: -Infinity,
      dx: 0,
      dy: j ? TOP + depth * CONTINUED_ROW - top : LANE,
    });
  }
  const bandOf = (y: number): number => {
    let j = 0;
    while (j < bands.length - 1 && y >= (bands[j]?.bottom ?? 0)) j++;
    return j;
  };
  const extend = (band: Band, x0: number, x1: number): void => {
    band.minX = Math.min(band.minX, x0);
    band.maxX = Math.max(band.maxX, x1);
  };

  // Boxes go to the band they are in; frames to every band they overlap.
  const placed: { item: Item; band: number }[] = [];
  const frameParts: { item: Item & { type: "frame" }; band: number; continued: boolean; cut: boolean }[] = [];
  for (const item of layout.items) {
    if (item.type !== "frame") {
      const band = bandOf(item.y + item.height / 2);
      placed.push({ item, band });
      const b = bands[band];
      if (b) extend(b, item.x, item.x + item.width);
      continue;
    }
    bands.forEach((band, j) => {
      if (item.y >= band.bottom || item.y + item.height <= band.top) return;
      frameParts.push({ item, band: j, continued: item.y < band.top, cut: item.y + item.height > band.bottom });
      extend(band, item.x, item.x + item.width);
    });
  }

  // Edges: clipped to each band they pass through.
  const pieces = layout.edges.map((edge) => {
    const out: { band: number; points: Point[] }[] = [];
    const [start, ...rest] = edge.points;
    if (!start) return out;
    let current = { band: bandOf(start.y), points: [start] };
    let previous = start;
    for (const point of rest) {
      const target = bandOf(point.y);
      while (current.band !== target) {
        const down = target > current.band;
        const band = bands[current.band];
        const yb = (down ? band?.bottom : band?.top) ?? point.y;
        const t = point.y === previous.y ? 0 : (yb - previous.y) / (point.y - previous.y);
        const at = { x: previous.x + t * (point.x - previous.x), y: yb };
        current.points.push(at);
        out.push(current);
        current = { band: current.band + (down ? 1 : -1), points: [at] };
      }
      current.points.push(point);
      previous = point;
    }
    out.push(current);
    for (const piece of out) {
      const band = bands[piece.band];
      if (band) for (const p of piece.points) extend(band, p.x, p.x);
    }
    return out;
  });

  // Columns left to right, each shifted up to the top.
  let x = PAD;
  for (const band of bands) {
    if (!Number.isFinite(band.minX)) {
      band.minX = 0;
      band.maxX = 0;
    }
    band.dx = x - band.minX;
    x += band.maxX - band.minX + GUTTER;
  }
  const width = x - GUTTER + PAD;

  const items: Item[] = [];
  const seen = new Set<string>();
  for (const { item, band: j, continued, cut } of frameParts) {
    const band = bands[j] as Band;
    const top = continued ? TOP + (item.group.depth - 1) * CONTINUED_ROW : item.y + band.dy;
    const bottom = (cut ? band.bottom : item.y + item.height) + band.dy;
    const id = seen.has(item.id) ? `${item.id}~${j}` : item.id;
    seen.add(item.id);
    const part: Item = { ...item, id, x: item.x + band.dx, y: top, height: bottom - top };
    if (continued) part.continued = true;
    if (cut) part.cut = true;
    items.push(part);
  }
  for (const { item, band: j } of placed) {
    const band = bands[j] as Band;
    items.push({ ...item, x: item.x + band.dx, y: item.y + band.dy });
  }
  // Frames first, outer before inner (as layout.ts orders them), then boxes.
  items.sort((a, b) => rank(a) - rank(b));

  // Wrapped edges: out of the bottom of one column, up the gutter, into the top of the next.
  // At each cut the rightmost exit turns first and runs outermost in the gutter (no crossings
  // among edges entering the next column in the same order).
  const lanes = new Map<string, number>(); // `${edge}:${band}` -> lane at the cut below band
  cuts.forEach((_, j) => {
    const exits: { key: string; x: number }[] = [];
    pieces.forEach((list, e) => {
      list.forEach((piece, k) => {
        const next = list[k + 1];
        const end = piece.points[piece.points.length - 1];
        if (piece.band === j && next?.band === j + 1 && end) exits.push({ key: `${e}:${k}`, x: end.x });
      });
    });
    exits.sort((a, b) => b.x - a.x).forEach((exit, lane) => lanes.set(exit.key, lane));
    lanes.set(`cut:${j}`, exits.length);
  });
  let bottom = 0;
  for (const band of bands) bottom = Math.max(bottom, band.bottom + band.dy);
  const edges: EdgeLine[] = layout.edges.map((edge, e) => {
    const points: Point[] = [];
    const list = pieces[e] ?? [];
    list.forEach((piece, k) => {
      const band = bands[piece.band] as Band;
      const moved = piece.points.map((p) => ({ x: p.x + band.dx, y: p.y + band.dy }));
      const next = list[k + 1];
      points.push(...moved);
      if (!next || next.band !== piece.band + 1) return;
      const lane = lanes.get(`${e}:${k}`) ?? 0;
      const count = lanes.get(`cut:${piece.band}`) ?? 1;
      const nextBand = bands[next.band] as Band;
      const exit = moved[moved.length - 1] as Point;
      const entry = next.points[0] as Point;
      const turnBelow = band.bottom + band.dy + 8 + lane * LANE_STEP;
      const gutter = nextBand.minX + nextBand.dx - GUTTER / 2 + ((count - 1) / 2 - lane) * LANE_STEP;
      const turnAbove = TOP - 8 - lane * LANE_STEP;
      points.push(
        { x: exit.x, y: turnBelow },
        { x: gutter, y: turnBelow },
        { x: gutter, y: turnAbove },
        { x: entry.x + nextBand.dx, y: turnAbove },
      );
      bottom = Math.max(bottom, turnBelow);
    });
    return { ...edge, points: dedupe(points) };
  });

  return { ...layout, width, height: bottom + LANE, items, edges, columns: bands.length };
}

function dedupe(points: Point[]): Point[] {
  return points.filter((p, i) => {
    const q = points[i - 1];
    return !q || Math.abs(p.x - q.x) > 0.01 || Math.abs(p.y - q.y) > 0.01;
  });
}

function rank(item: Item): number {
  return item.type === "frame" ? item.group.depth : 1000;
}

export interface Fit {
  layout: Layout;
  /** Where it is cut: the same key, the same drawing. */
  key: string;
  /** The scale at which `layout` fits the panel, at most 1 here (the canvas may zoom in more). */
  scale: number;
}

/** Columns a little taller than the panel (read with a short drag down) beat one long column. */
const NEARLY = 1.35;

/**
 * The fewest columns whose layout fits `width` × `height` at `minScale` or more. Where none do,
 * the columns that fit the width at `minScale` and overflow the height least, if by little;
 * else the layout as it is (one column, read by dragging down).
 */
export function wrapToFit(layout: Layout, width: number, height: number, minScale: number): Fit {
  const scaleOf = (l: Layout): number => Math.min(width / Math.max(1, l.width), height / Math.max(1, l.height));
  const single = { layout, key: "", scale: scaleOf(layout) };
  if (single.scale >= minScale || width <= 0 || height <= 0) return single;
  // No column is narrower than the widest box: so many columns at most, each so tall at least.
  const widest = Math.max(0, ...layout.items.map((item) => (item.type === "frame" ? 0 : item.width))) + 2 * PAD;
  const most = Math.min(MAX_COLUMNS, Math.floor((width / minScale + GUTTER) / (widest + GUTTER)));
  if (most < 2 || (NEARLY * height * most) / minScale < layout.height) return single;
  const cuts = cutCandidates(layout);
  let nearly: (Fit & { overflow: number }) | null = null;
  for (let columns = 2; columns <= Math.min(most, cuts.length + 1); columns++) {
    const chosen = partition(layout, cuts, columns);
    const wrapped = wrapAt(layout, chosen);
    const key = chosen.map((c) => c.y.toFixed(1)).join(",");
    const scale = scaleOf(wrapped);
    if (scale >= minScale) return { layout: wrapped, key, scale };
    const byWidth = Math.min(1, width / wrapped.width);
    if (byWidth < minScale) break; // too wide to read already: more columns, wider still
    const overflow = (wrapped.height * byWidth) / height;
    if (overflow <= NEARLY && (!nearly || overflow < nearly.overflow))
      nearly = { layout: wrapped, key, scale, overflow };
  }
  return nearly ? { layout: nearly.layout, key: nearly.key, scale: nearly.scale } : single;
}
