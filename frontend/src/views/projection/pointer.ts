// Pointer handling on the scatter: hover (pick the nearest point), click (select it), drag (pan),
// wheel (zoom about the cursor), double-click (reset the view).
import type { Blend, Scatter } from "./scatter";

export interface PointerOptions {
  scatter: Scatter;
  /** What is drawn now (null before there is a projection: nothing reacts). */
  blend(): Blend | null;
  onHover(point: number | null): void;
  onClick(point: number): void;
  /** The view changed (pan, zoom): draw again. */
  redraw(): void;
}

export function attachPointer(o: PointerOptions): void {
  const canvas = o.scatter.element;
  let drag: { x: number; y: number; moved: boolean } | null = null;
  canvas.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, moved: false };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    const blend = o.blend();
    if (!blend) return;
    if (drag && (drag.moved || Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 4)) {
      o.scatter.pan(event.clientX - drag.x, event.clientY - drag.y);
      drag = { x: event.clientX, y: event.clientY, moved: true };
      o.onHover(null);
      o.redraw();
      return;
    }
    o.onHover(o.scatter.pick(event.clientX, event.clientY, blend));
  });
  canvas.addEventListener("pointerup", (event) => {
    const click = drag !== null && !drag.moved;
    drag = null;
    const blend = o.blend();
    if (!click || !blend) return;
    const point = o.scatter.pick(event.clientX, event.clientY, blend);
    if (point !== null) o.onClick(point);
  });
  canvas.addEventListener("pointerleave", () => o.onHover(null));
  canvas.addEventListener("dblclick", () => {
    o.scatter.resetView();
    o.redraw();
  });
  canvas.addEventListener(
    "wheel",
    (event) => {
      if (!o.blend()) return;
      event.preventDefault();
      o.scatter.zoom(Math.exp(-event.deltaY * 0.0015), event.clientX, event.clientY);
      o.onHover(null);
      o.redraw();
    },
    { passive: false },
  );
}
