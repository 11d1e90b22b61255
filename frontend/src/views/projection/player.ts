// The animation between layers: eased transitions from what is shown to a target layer, and a
// play loop that steps through the layers (move, hold, move…) at a chosen speed. A layer whose
// coordinates have not arrived yet is asked for and waited for (the loop holds meanwhile; a
// transition to it starts once it is there). Frames are drawn with requestAnimationFrame only
// while something moves or a picture is still filling in; while playing, the frame rate is
// measured.
import type { Blend } from "./scatter";

export interface PlayerOptions {
  /** Draw a frame (`moving`: part of a transition); true: draw again next frame. */
  render(blend: Blend, moving: boolean): boolean;
  /** Whether a layer's coordinates are there to be shown. */
  ready(layer: number): boolean;
  /** Fetch a layer: it is wanted now (call `loaded` once it is there). */
  need(layer: number): void;
  /** Freeze the positions shown by `blend` into a spare slot (to start a new transition from). */
  snapshot(blend: Blend): number;
  /** The target layer changed (slider, name). */
  onLayer(layer: number): void;
  onPlaying(playing: boolean): void;
  /** A transition came to rest on a layer. */
  onRest(): void;
  /** Frames per second over the last second of playing (shown beside the hint). */
  onFps(fps: number): void;
  /** The layer the loop plays after `layer` (default: the next, the first after the last); a
   * grid of frames plays along one of its rows or columns. */
  next?(layer: number): number;
}

export interface Player {
  setLayers(count: number): void;
  /** Move to `layer` with an eased transition of `duration` ms (scaled by the speed if playing). */
  goTo(layer: number, duration?: number): void;
  play(): void;
  pause(): void;
  isPlaying(): boolean;
  setSpeed(speed: number): void;
  layer(): number;
  blend(): Blend;
  /** Draw one frame soon (colours, size or highlight changed). */
  invalidate(): void;
  /** A layer arrived: a transition waiting for it may start. */
  loaded(): void;
  destroy(): void;
}

const MOVE_MS = 1100; // one layer to the next at 1× speed
const HOLD_MS = 550; // pause on each layer while playing
const END_HOLD = 2.5; // the last layer is held longer before the loop starts again

/** Cubic ease-in-out: slow start, slow finish. */
export const ease = (x: number): number => (x < 0.5 ? 4 * x * x * x : 1 - (-2 * x + 2) ** 3 / 2);

export function createPlayer(o: PlayerOptions): Player {
  let layers = 0;
  let from = 0;
  let to = 0;
  let start = 0;
  let duration = 0;
  let moving = false;
  let playing = false;
  let holdUntil = 0;
  let speed = 1;
  let frame = 0;
  let dirty = false;
  let fpsStart = 0;
  let fpsFrames = 0;
  // A transition asked for before its layer arrived: started once it has.
  let pending: { layer: number; ms: number } | null = null;

  const progress = (now: number): number =>
    moving ? ease(Math.min(1, Math.max(0, (now - start) / Math.max(1, duration)))) : 0;
  const blendAt = (now: number): Blend => (moving ? { from, to, t: progress(now) } : { from: to, to, t: 0 });

  const following = (layer: number): number => (o.next ? o.next(layer) : (layer + 1) % layers);

  const schedule = (): void => {
    if (!frame) frame = requestAnimationFrame(tick);
  };

  const goTo = (layer: number, ms: number, now = performance.now()): void => {
    if (!layers) return;
    const target = Math.min(layers - 1, Math.max(0, Math.round(layer)));
    if (!o.ready(target)) {
      pending = { layer: target, ms };
      o.need(target);
      o.onLayer(target);
      return;
    }
    pending = null;
    if (moving) {
      const shown = blendAt(now);
      from = shown.t >= 1 ? to : shown.t <= 0 ? shown.from : o.snapshot(shown);
    } else {
      from = to;
    }
    to = target;
    start = now;
    duration = ms;
    moving = from !== to;
    o.onLayer(to);
    schedule();
  };

  function tick(now: number): void {
    frame = 0;
    if (pending && o.ready(pending.layer)) goTo(pending.layer, pending.ms, now);
    if (moving && now - start >= duration) {
      moving = false;
      from = to;
      o.onRest();
      if (playing) holdUntil = now + (HOLD_MS * (following(to) <= to ? END_HOLD : 1)) / speed;
    }
    if (playing && !moving && !pending && now >= holdUntil) goTo(following(to), MOVE_MS / speed, now);
    const blend = blendAt(now);
    const more = o.render(blend, moving);
    dirty = false;
    if (playing) {
      fpsFrames++;
      if (!fpsStart) {
        fpsStart = now;
        fpsFrames = 0;
      } else if (now - fpsStart >= 1000) {
        o.onFps((fpsFrames * 1000) / (now - fpsStart));
        fpsStart = now;
        fpsFrames = 0;
      }
    }
    if (playing || moving || dirty || more) schedule();
  }

  const pause = (): void => {
    if (!playing) return;
    playing = false;
    fpsStart = 0;
    o.onPlaying(false);
  };

  return {
    setLayers(count) {
      pause();
      layers = count;
      from = to = 0;
      moving = false;
      pending = null;
      o.onLayer(0);
      dirty = true;
      schedule();
    },
    goTo(layer, ms = 450) {
      goTo(layer, playing ? ms / speed : ms);
    },
    play() {
      if (playing || layers < 2) return;
      playing = true;
      fpsStart = 0;
      holdUntil = 0; // leave the current layer at once
      o.onPlaying(true);
      schedule();
    },
    pause,
    isPlaying: () => playing,
    setSpeed(value) {
      speed = value;
    },
    layer: () => to,
    blend: () => blendAt(performance.now()),
    invalidate() {
      dirty = true;
      schedule();
    },
    loaded() {
      if (pending) schedule();
    },
    destroy() {
      playing = false;
      moving = false;
      pending = null;
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
    },
  };
}
