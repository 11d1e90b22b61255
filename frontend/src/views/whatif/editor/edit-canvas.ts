// The edited image, large, with the drawing tools: drag to place an occlusion patch, drag
// inside the last patch to move it or at its corner to resize it; paint or erase strokes.
// Coordinates are model-input pixels (the server's edit coordinates).
import { el } from "../../../ui/dom";
import type { Edit, OcclusionFill } from "./editor-api";

export type Tool = "patch" | "brush" | "erase";

export interface ToolOptions {
  tool: Tool;
  fill: OcclusionFill;
  radius: number;
  colour: [number, number, number];
}

export interface EditCanvas {
  readonly element: HTMLElement;
  /** Show the server's rendering of the edited image. */
  setImage(url: string): void;
  /** The drawn edits changed elsewhere (undo, reset): redraw the handles. */
  setDrawn(drawn: Edit[]): void;
  destroy(): void;
}

type Occlude = Extract<Edit, { op: "occlude" }>;

const HANDLE = 1.5; // model pixels around the bottom-right corner that resize a patch

/** `onDraw(drawn, done)`: the drawn edits while dragging (done = false) and when released. */
export function createEditCanvas(
  width: number,
  height: number,
  displayWidth: number,
  options: ToolOptions,
  onDraw: (drawn: Edit[], done: boolean) => void,
): EditCanvas {
  const displayHeight = Math.round((displayWidth * height) / width);
  const image = el("img", {
    class: "we-image",
    alt: "edited image",
    width: String(displayWidth),
    height: String(displayHeight),
  });
  const overlay = el("canvas", {
    class: "we-overlay",
    id: "edit-canvas",
    width: String(displayWidth),
    height: String(displayHeight),
  });
  const element = el(
    "div",
    { class: "we-canvas", style: `width:${displayWidth}px;height:${displayHeight}px` },
    image,
    overlay,
  );
  const k = displayWidth / width; // display pixels per model pixel
  let drawn: Edit[] = [];
  let drag: {
    start: [number, number];
    kind: "new" | "move" | "resize" | "stroke";
    base: Edit[];
    origin?: Occlude;
  } | null = null;

  const at = (event: PointerEvent): [number, number] => {
    const box = overlay.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * width;
    const y = ((event.clientY - box.top) / box.height) * height;
    return [Math.min(width, Math.max(0, x)), Math.min(height, Math.max(0, y))];
  };

  const drawOverlay = (): void => {
    const ctx = overlay.getContext("2d");
    if (!ctx) return;
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const last = drawn[drawn.length - 1];
    if (last?.op === "occlude") {
      ctx.strokeStyle = "#ffbf00";
      ctx.lineWidth = 2;
      ctx.setLineDash([5, 3]);
      ctx.strokeRect(last.x * k + 1, last.y * k + 1, last.w * k - 2, last.h * k - 2);
      ctx.setLineDash([]);
      ctx.fillStyle = "#ffbf00";
      ctx.fillRect((last.x + last.w) * k - 8, (last.y + last.h) * k - 8, 8, 8);
    }
  };

  const box = (a: [number, number], b: [number, number]): Occlude => {
    const x0 = Math.floor(Math.min(a[0], b[0]));
    const y0 = Math.floor(Math.min(a[1], b[1]));
    const x1 = Math.max(x0 + 1, Math.ceil(Math.max(a[0], b[0])));
    const y1 = Math.max(y0 + 1, Math.ceil(Math.max(a[1], b[1])));
    return { op: "occlude", x: x0, y: y0, w: x1 - x0, h: y1 - y0, fill: options.fill, seed: drawn.length };
  };

  overlay.onpointerdown = (event) => {
    overlay.setPointerCapture(event.pointerId);
    const p = at(event);
    const last = drawn[drawn.length - 1];
    if (options.tool !== "patch") {
      const stroke: Edit = {
        op: "brush",
        points: [p],
        radius: options.radius,
        colour: [...options.colour],
        erase: options.tool === "erase",
      };
      drag = { start: p, kind: "stroke", base: drawn };
      drawn = [...drawn, stroke];
    } else if (
      last?.op === "occlude" &&
      Math.abs(p[0] - (last.x + last.w)) <= HANDLE &&
      Math.abs(p[1] - (last.y + last.h)) <= HANDLE
    ) {
      drag = { start: p, kind: "resize", base: drawn.slice(0, -1), origin: last };
    } else if (
      last?.op === "occlude" &&
      p[0] >= last.x &&
      p[0] <= last.x + last.w &&
      p[1] >= last.y &&
      p[1] <= last.y + last.h
    ) {
      drag = { start: p, kind: "move", base: drawn.slice(0, -1), origin: last };
    } else {
      drag = { start: p, kind: "new", base: drawn };
      drawn = [...drawn, box(p, [p[0] + 1, p[1] + 1])];
    }
    drawOverlay();
  };

  overlay.onpointermove = (event) => {
    if (!drag) return;
    const p = at(event);
    const o = drag.origin;
    let edit: Edit;
    if (drag.kind === "stroke") {
      const stroke = drawn[drawn.length - 1];
      if (stroke?.op !== "brush") return;
      edit = { ...stroke, points: [...stroke.points, [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10]] };
    } else if (drag.kind === "move" && o) {
      const dx = Math.round(p[0] - drag.start[0]);
      const dy = Math.round(p[1] - drag.start[1]);
      edit = {
        ...o,
        x: Math.min(width - 1, Math.max(1 - o.w, o.x + dx)),
        y: Math.min(height - 1, Math.max(1 - o.h, o.y + dy)),
      };
    } else if (drag.kind === "resize" && o) {
      edit = { ...o, w: Math.max(1, Math.round(p[0]) - o.x), h: Math.max(1, Math.round(p[1]) - o.y) };
    } else {
      edit = box(drag.start, p);
    }
    drawn = [...drag.base, edit];
    drawOverlay();
    onDraw(drawn, false);
  };

  const finish = (): void => {
    if (!drag) return;
    const last = drawn[drawn.length - 1];
    if (drag.kind === "new" && last?.op === "occlude" && last.w <= 1 && last.h <= 1) {
      // A click without a drag: a patch a quarter of the image wide, centred on the click.
      const side = Math.max(2, Math.round(Math.min(width, height) / 4));
      drawn = [
        ...drag.base,
        { ...last, x: Math.round(last.x - side / 2), y: Math.round(last.y - side / 2), w: side, h: side },
      ];
      drawOverlay();
    }
    drag = null;
    onDraw(drawn, true);
  };
  overlay.onpointerup = finish;
  overlay.onpointercancel = finish;

  return {
    element,
    setImage(url) {
      image.src = url;
    },
    setDrawn(next) {
      drawn = next;
      drawOverlay();
    },
    destroy() {
      drag = null;
    },
  };
}
