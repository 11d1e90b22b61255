// Pointer handling on the scatter: hover (pick the nearest point), click (select it), drag (pan),
// wheel (zoom about the cursor), double-click (reset the view). `repick` hovers again where the
// pointer is (a layer's picking index is built after the first pick that needed it).
import type { Scatter } from "./scatter";

export interface PointerOptions {
  scatter: Scatter;
  /** Whether there is a projection (before there is one, nothing reacts). */
  active(): boolean;
  onHover(point: number | null): void;
  onClick(point: number): void;
  /** The view changed (pan, zoom): draw again. */
  redraw(): void;
}

export interface Pointer {
  repick(): void;
}

export function attachPointer(o: PointerOptions): Pointer {
  const canvas = o.scatter.element;
  let drag: { x: number; y: number; moved: boolean } | null = null;
  let over: { x: number; y: number } | null = null; // the pointer, while over the canvas
  canvas.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, moved: false };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    over = { x: event.clientX, y: event.clientY };
    if (!o.active()) return;
    if (drag && (drag.moved || Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 4)) {
      o.scatter.pan(event.clientX - drag.x, event.clientY - drag.y);
      drag = { x: event.clientX, y: event.clientY, moved: true };
      o.onHover(null);
      o.redraw();
      return;
    }
    o.onHover(o.scatter.pick(event.clientX, event.clientY));
  });
  canvas.addEventListener("pointerup", (event) => {
    const click = drag !== null && !drag.moved;
    drag = null;
    if (!click || !o.active()) return;
    const point = o.scatter.pick(event.clientX, event.clientY);
    if (point !== null) o.onClick(point);
  });
  canvas.addEventListener("pointerleave", () => {
    over = null;
    o.onHover(null);
  });
  canvas.addEventListener("dblclick", () => {
    o.scatter.resetView();
    o.redraw();
  });
  canvas.addEventListener(
    "wheel",
    (event) => {
      if (!o.active()) return;
      event.preventDefault();
      o.scatter.zoom(Math.exp(-event.deltaY * 0.0015), event.clientX, event.clientY);
      o.onHover(null);
      o.redraw();
    },
    { passive: false },
  );
  return {
    repick() {
      if (over && !drag && o.active()) o.onHover(o.scatter.pick(over.x, over.y));
    },
  };
}
