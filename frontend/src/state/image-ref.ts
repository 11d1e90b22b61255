// The current image as the server's routes name it: a dataset image (`index`) or a tray image
// (`tray`). Per-image requests use these, so every view follows an edited image too.
import type { AppState } from "./store";

export type ImageRef = { index: number } | { tray: string };

export function imageRef(state: Pick<AppState, "image" | "tray">): ImageRef {
  return state.tray !== null ? { tray: state.tray } : { index: state.image };
}

/** The same reference as a query string (`index=5` or `tray=ab12`), for GET routes. */
export function imageQuery(state: Pick<AppState, "image" | "tray">): string {
  return state.tray !== null ? `tray=${encodeURIComponent(state.tray)}` : `index=${state.image}`;
}

/** True when two states name the same current image. */
export function sameImage(a: Pick<AppState, "image" | "tray">, b: Pick<AppState, "image" | "tray">): boolean {
  return a.image === b.image && a.tray === b.tray;
}
