// The editor's edits: global adjustments (sliders and buttons) applied first, then the drawn
// edits (patches and brush strokes) in the order drawn, so what is drawn lands where it is seen.
// Every committed change is a snapshot on the undo stack.
import type { Edit } from "./editor-api";

export interface Adjustments {
  /** Counter-clockwise degrees; the 90° buttons add to it. */
  angle: number;
  flipH: boolean;
  flipV: boolean;
  dx: number;
  dy: number;
  /** 1 = whole image; 2 = the central half of each side, enlarged. */
  zoom: number;
  brightness: number;
  contrast: number;
  noise: number;
  blur: number;
}

export interface Snapshot {
  adjust: Adjustments;
  drawn: Edit[];
}

export const NEUTRAL: Adjustments = {
  angle: 0,
  flipH: false,
  flipV: false,
  dx: 0,
  dy: 0,
  zoom: 1,
  brightness: 0,
  contrast: 1,
  noise: 0,
  blur: 0,
};

/** The edit list the server applies, for an image of `width` × `height` pixels. */
export function toEdits(state: Snapshot, width: number, height: number): Edit[] {
  const a = state.adjust;
  const edits: Edit[] = [];
  const angle = ((a.angle % 360) + 360) % 360;
  if (angle !== 0) edits.push({ op: "rotate", degrees: angle });
  if (a.flipH) edits.push({ op: "flip", axis: "horizontal" });
  if (a.flipV) edits.push({ op: "flip", axis: "vertical" });
  if (a.dx !== 0 || a.dy !== 0) edits.push({ op: "shift", dx: a.dx, dy: a.dy });
  if (a.zoom > 1) {
    const w = Math.max(1, Math.round(width / a.zoom));
    const h = Math.max(1, Math.round(height / a.zoom));
    edits.push({ op: "crop", x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), w, h });
  }
  if (a.brightness !== 0) edits.push({ op: "brightness", delta: a.brightness });
  if (a.contrast !== 1) edits.push({ op: "contrast", factor: a.contrast });
  if (a.blur > 0) edits.push({ op: "blur", sigma: a.blur });
  if (a.noise > 0) edits.push({ op: "noise", sigma: a.noise, seed: 0 });
  return [...edits, ...state.drawn];
}

/** Undo/redo over snapshots; `current` is what the editor shows. */
export class EditHistory {
  private past: Snapshot[] = [];
  private future: Snapshot[] = [];
  current: Snapshot = { adjust: { ...NEUTRAL }, drawn: [] };

  commit(next: Snapshot): void {
    this.past.push(this.current);
    this.future = [];
    this.current = next;
  }

  undo(): boolean {
    const previous = this.past.pop();
    if (!previous) return false;
    this.future.push(this.current);
    this.current = previous;
    return true;
  }

  redo(): boolean {
    const next = this.future.pop();
    if (!next) return false;
    this.past.push(this.current);
    this.current = next;
    return true;
  }

  reset(): void {
    this.past = [];
    this.future = [];
    this.current = { adjust: { ...NEUTRAL }, drawn: [] };
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }

  get edited(): boolean {
    return this.current.drawn.length > 0 || JSON.stringify(this.current.adjust) !== JSON.stringify(NEUTRAL);
  }
}
