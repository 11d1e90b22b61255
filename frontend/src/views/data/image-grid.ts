// A virtualised thumbnail grid: only the rows in view (plus a few) are in the DOM, and each cell
// draws its thumbnail from a sprite sheet of 256 images, so 50,000 images scroll smoothly.
// Cells are recycled by grid position; a scroll only places the cells that came into view.
import { classColor } from "../../ui/colors";
import { el } from "../../ui/dom";

const PAD = 8; // padding around the cells
const GAP = 2; // between cells
const STRIPE = 3; // true-class colour stripe under each thumbnail
const OVERSCAN = 3; // extra rows above and below the visible ones
const SPRITE_COLUMNS = 16;
const SPRITE_IMAGES = SPRITE_COLUMNS * SPRITE_COLUMNS;

export interface ImageGridOptions {
  /** URL of sprite sheet `sheet` with thumbnails of `size` px. */
  spriteUrl(sheet: number, size: number): string;
  /** Thumbnail size to request from the server for a display size (≤ the display size). */
  spriteSize(display: number): number;
  onSelect(index: number): void;
  onHover(index: number | null, cell: HTMLElement | null): void;
}

/** Per-image marks: true label (stripe colour) and whether the prediction is wrong. */
export interface GridMarks {
  labels: Int32Array | null;
  predictions: readonly number[] | null;
}

export interface ImageGrid {
  readonly element: HTMLElement;
  /** Show these images in this order; scrolls to `reveal` if it is among them, else to the top. */
  setItems(items: Int32Array, reveal: number): void;
  setMarks(marks: GridMarks): void;
  setCurrent(index: number): void;
  setThumbSize(size: number): void;
  /** Scroll the least needed to show image `index` (if it is in the grid). */
  reveal(index: number): void;
  /** Re-measure (after a resize or when the section becomes visible). */
  layout(): void;
  destroy(): void;
}

export function createImageGrid(options: ImageGridOptions): ImageGrid {
  const sizer = el("div", { class: "dv-grid-sizer" });
  const empty = el("div", { class: "dv-grid-empty", hidden: "" }, "No image matches these filters.");
  const element = el(
    "div",
    { id: "image-grid", class: "dv-grid", tabindex: "0", role: "list", "aria-label": "dataset images" },
    sizer,
    empty,
  );

  let items: Int32Array = new Int32Array(0);
  let positions: Int32Array = new Int32Array(0); // image index -> position in items, -1 if absent
  let marks: GridMarks = { labels: null, predictions: null };
  let current = -1;
  let size = 48;
  let spriteSize = options.spriteSize(size);
  let columns = 1;
  let left = PAD; // x of the first column: the rows are centred
  let width = 0;
  let height = 0;
  let pendingReveal: number | null = null;
  const live = new Map<number, HTMLElement>(); // position -> cell
  const free: HTMLElement[] = [];

  const pitchX = (): number => size + GAP;
  const pitchY = (): number => size + STRIPE + GAP;
  const rowCount = (): number => Math.ceil(items.length / columns);

  const fill = (cell: HTMLElement, position: number): void => {
    const index = items[position] ?? 0;
    const column = position % columns;
    const row = (position - column) / columns;
    const slot = index % SPRITE_IMAGES;
    const sheet = (index - slot) / SPRITE_IMAGES;
    const label = marks.labels ? (marks.labels[index] ?? -1) : -1;
    const predicted = marks.predictions ? (marks.predictions[index] ?? -1) : -1;
    cell.dataset.index = String(index);
    cell.style.transform = `translate(${left + column * pitchX()}px,${PAD + row * pitchY()}px)`;
    cell.style.backgroundImage = `url("${options.spriteUrl(sheet, spriteSize)}")`;
    cell.style.backgroundPosition = `${-(slot % SPRITE_COLUMNS) * size}px ${-Math.floor(slot / SPRITE_COLUMNS) * size}px`;
    cell.style.borderBottomColor = label >= 0 ? classColor(label) : "transparent";
    cell.classList.toggle("current", index === current);
    cell.classList.toggle("wrong", label >= 0 && predicted >= 0 && predicted !== label);
  };

  const render = (refill: boolean): void => {
    const top = element.scrollTop;
    const firstRow = Math.max(0, Math.floor((top - PAD) / pitchY()) - OVERSCAN);
    const lastRow = Math.min(rowCount() - 1, Math.floor((top + height - PAD) / pitchY()) + OVERSCAN);
    const first = firstRow * columns;
    const last = Math.min(items.length, (lastRow + 1) * columns); // exclusive
    for (const [position, cell] of live) {
      if (refill || position < first || position >= last) {
        live.delete(position);
        free.push(cell);
      }
    }
    const fragment = document.createDocumentFragment();
    for (let position = first; position < last; position++) {
      if (live.has(position)) continue;
      const cell = free.pop() ?? el("div", { class: "dv-cell", role: "listitem" });
      fill(cell, position);
      live.set(position, cell);
      if (cell.parentNode !== sizer) fragment.append(cell);
    }
    sizer.append(fragment);
    for (const cell of free) cell.remove();
  };

  const applySize = (): void => {
    element.style.setProperty("--thumb", `${size}px`);
    element.style.setProperty("--sheet", `${size * SPRITE_COLUMNS}px`);
    element.style.setProperty("--stripe", `${STRIPE}px`);
    columns = Math.max(1, Math.floor((width - 2 * PAD + GAP) / pitchX()));
    left = Math.max(PAD, Math.floor((width - columns * pitchX() + GAP) / 2));
    // Enlarge small sprites with crisp pixels only at whole ratios (uneven pixels look worse).
    element.classList.toggle("pixelated", size % spriteSize === 0 && size > spriteSize);
    sizer.style.height = `${2 * PAD + Math.max(0, rowCount() * pitchY() - GAP)}px`;
  };

  /** What to keep in view across a relayout: the current image if it is in view, else the first row. */
  const anchor = (): { position: number; current: boolean } => {
    const position = positions[current] ?? -1;
    if (position >= 0 && height > 0) {
      const y = PAD + Math.floor(position / columns) * pitchY();
      if (y + pitchY() > element.scrollTop && y < element.scrollTop + height) return { position, current: true };
    }
    return {
      position: Math.min(items.length - 1, Math.max(0, Math.ceil((element.scrollTop - PAD) / pitchY()) * columns)),
      current: false,
    };
  };

  const restore = (kept: { position: number; current: boolean }): void => {
    if (kept.current) reveal(current);
    else if (kept.position > 0) element.scrollTop = Math.floor(kept.position / columns) * pitchY();
  };

  const reveal = (index: number): void => {
    const position = positions[index] ?? -1;
    if (position < 0) return;
    if (height === 0) {
      pendingReveal = index; // hidden: do it when laid out
      return;
    }
    const y = PAD + Math.floor(position / columns) * pitchY();
    if (y - PAD < element.scrollTop) element.scrollTop = Math.max(0, y - PAD);
    else if (y + pitchY() + PAD > element.scrollTop + height) element.scrollTop = y + pitchY() + PAD - height;
  };

  const layout = (): void => {
    const kept = anchor();
    width = element.clientWidth;
    height = element.clientHeight;
    if (width === 0) return;
    const before = columns;
    applySize();
    if (before !== columns) restore(kept);
    render(true);
    if (pendingReveal !== null) {
      const index = pendingReveal;
      pendingReveal = null;
      reveal(index);
    }
  };

  const cellOf = (target: EventTarget | null): HTMLElement | null =>
    target instanceof HTMLElement && target.classList.contains("dv-cell") && target.dataset.index ? target : null;

  element.addEventListener("scroll", () => render(false), { passive: true });
  element.addEventListener("click", (event) => {
    const cell = cellOf(event.target);
    if (cell) options.onSelect(Number(cell.dataset.index));
  });
  element.addEventListener("mouseover", (event) => {
    const cell = cellOf(event.target);
    options.onHover(cell ? Number(cell.dataset.index) : null, cell);
  });
  element.addEventListener("mouseleave", () => options.onHover(null, null));
  const resize = new ResizeObserver(() => {
    if (element.clientWidth !== width || element.clientHeight !== height) layout();
  });
  resize.observe(element);

  return {
    element,
    setItems(next, revealIndex) {
      items = next;
      let largest = -1;
      for (const index of next) if (index > largest) largest = index;
      positions = new Int32Array(largest + 1).fill(-1);
      next.forEach((index, position) => {
        positions[index] = position;
      });
      empty.hidden = next.length > 0;
      applySize();
      element.scrollTop = 0;
      render(true);
      if (revealIndex >= 0) reveal(revealIndex);
    },
    setMarks(next) {
      marks = next;
      for (const [position, cell] of live) fill(cell, position);
    },
    setCurrent(index) {
      const previous = current;
      current = index;
      for (const [position, cell] of live) {
        const shown = items[position];
        if (shown === previous || shown === index) cell.classList.toggle("current", shown === index);
      }
    },
    setThumbSize(next) {
      if (next === size) return;
      const kept = anchor();
      size = next;
      spriteSize = options.spriteSize(size);
      applySize();
      restore(kept);
      render(true);
    },
    reveal,
    layout,
    destroy() {
      resize.disconnect();
    },
  };
}
