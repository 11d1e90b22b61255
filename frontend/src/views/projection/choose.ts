// Which images to project: N per chosen class, the misclassified ones, a random sample, or the
// grid's current selection; always limited to the chosen true classes where labels exist. As many
// as the dataset holds: the server bounds a projection's size itself (and says so). Pure and
// seeded, so the same choice gives the same request (and the server's cached result).

export type PickMode = "per-class" | "misclassified" | "random" | "grid";

export interface PickSpec {
  mode: PickMode;
  /** True classes to draw from (ignored where the dataset has no labels). */
  classes: ReadonlySet<number>;
  perClass: number;
  /** Images in total, for every mode but per-class. */
  count: number;
  seed: number;
}

export interface PickInputs {
  size: number;
  labels: Int32Array | null;
  predictions: readonly number[] | null;
  grid: Int32Array | null;
}

export interface Pick {
  /** Dataset indices in drawing order (shuffled, so no class is always drawn on top). */
  indices: Int32Array;
  /** Why there are fewer than asked, or why there are none. */
  note: string;
}

/** Mulberry32: a small seeded generator in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `k` of `items`, drawn without replacement (partial Fisher–Yates; `items` is reordered). */
function sample(items: Int32Array, k: number, next: () => number): Int32Array {
  const n = Math.min(k, items.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(next() * (items.length - i));
    const swap = items[i] ?? 0;
    items[i] = items[j] ?? 0;
    items[j] = swap;
  }
  return items.slice(0, n);
}

function filter(size: number, keep: (i: number) => boolean): Int32Array {
  const out = new Int32Array(size);
  let n = 0;
  for (let i = 0; i < size; i++) if (keep(i)) out[n++] = i;
  return out.slice(0, n);
}

export function chooseImages(spec: PickSpec, inputs: PickInputs): Pick {
  const { labels, predictions } = inputs;
  const next = random(spec.seed);
  const classFilter = labels !== null && spec.classes.size > 0;
  const inClasses = (i: number): boolean => !classFilter || spec.classes.has(labels?.[i] ?? -1);
  const classWord = classFilter ? " of the chosen classes" : "";
  let chosen: Int32Array;
  let note = "";

  if (spec.mode === "per-class") {
    if (!labels) return { indices: new Int32Array(0), note: "Choosing per class needs the labels." };
    if (!spec.classes.size) return { indices: new Int32Array(0), note: "Tick at least one class." };
    const parts: Int32Array[] = [];
    const short: number[] = [];
    for (const c of [...spec.classes].sort((a, b) => a - b)) {
      const part = sample(
        filter(inputs.size, (i) => labels[i] === c),
        spec.perClass,
        next,
      );
      if (part.length < spec.perClass) short.push(c);
      parts.push(part);
    }
    chosen = new Int32Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      chosen.set(part, offset);
      offset += part.length;
    }
    if (short.length)
      note = `${short.length === 1 ? "One class has" : `${short.length} classes have`} fewer images than asked.`;
  } else if (spec.mode === "misclassified") {
    if (!predictions || !labels)
      return { indices: new Int32Array(0), note: "Misclassified images need the evaluation." };
    // An unreadable image (prediction -1) was not predicted at all: not misclassified.
    const misclassified = (i: number): boolean =>
      (labels[i] ?? -1) >= 0 && (predictions[i] ?? -1) >= 0 && predictions[i] !== labels[i];
    const wrong = filter(inputs.size, (i) => misclassified(i) && inClasses(i));
    if (!wrong.length) return { indices: wrong, note: `No misclassified images${classWord}.` };
    if (wrong.length > spec.count)
      note = `${spec.count.toLocaleString()} of ${wrong.length.toLocaleString()} misclassified images${classWord}, drawn at random.`;
    chosen = sample(wrong, spec.count, next);
  } else if (spec.mode === "random") {
    chosen = sample(filter(inputs.size, inClasses), spec.count, next);
  } else {
    const grid = inputs.grid ?? new Int32Array(0);
    const kept = grid.filter((i) => inClasses(i));
    if (!kept.length) return { indices: kept, note: `The grid shows no images${classWord}.` };
    if (kept.length > spec.count)
      note = `${spec.count.toLocaleString()} of the grid's ${kept.length.toLocaleString()} images, drawn at random.`;
    chosen = sample(kept, spec.count, next);
  }

  return { indices: sample(chosen, chosen.length, next), note };
}

/**
 * `indices` with the dataset images that tray images were made from (`sources`; -1: none)
 * appended where missing, so an edit and its original are laid out side by side.
 */
export function withOriginals(indices: Int32Array, sources: readonly number[], size: number): Int32Array {
  const wanted = [...new Set(sources)].filter((s) => Number.isInteger(s) && s >= 0 && s < size);
  if (!wanted.length) return indices;
  const missing = wanted.filter((s) => !indices.includes(s));
  if (!missing.length) return indices;
  const out = new Int32Array(indices.length + missing.length);
  out.set(indices);
  out.set(missing, indices.length);
  return out;
}
