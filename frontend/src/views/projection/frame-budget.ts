// How many points one moving frame may draw and still keep the animation near 30 frames a
// second: learnt from the time between frames. A GPU draws a million points in a couple of
// milliseconds, so the budget grows past every point and nothing is left out; a software
// renderer (a headless browser, a machine without a GPU) draws perhaps a million a second,
// and then each moving frame draws the first points of the (shuffled) order only, and the
// resting frame draws them all, a budget's worth per frame (scatter.ts).

export interface FrameBudgetOptions {
  /** The frame time aimed at, in ms. */
  target: number;
  /** Never fewer points than this per frame. */
  floor: number;
  /** The budget before anything was measured. */
  start: number;
}

export interface FrameBudget {
  /** Points the next frame may draw, of `total`. */
  points(total: number): number;
  /** A frame that drew `drawn` points was followed by the next after `interval` ms. */
  observe(interval: number, drawn: number): void;
}

const GROWTH = 1.1;

export const FRAME_BUDGET: FrameBudgetOptions = { target: 1000 / 30, floor: 10_000, start: 50_000 };

export function createFrameBudget(o: FrameBudgetOptions = FRAME_BUDGET): FrameBudget {
  let budget = o.start;
  return {
    points: (total) => Math.min(total, Math.max(o.floor, Math.round(budget))),
    observe(interval, drawn) {
      if (!(interval > 0) || !(drawn > 0)) return;
      if (interval < 0.75 * o.target) {
        // Fast (perhaps held to the display's rate): the true cost is unknown, only that it is
        // less. Grow by a tenth, and only if the frame used its budget: a renderer may queue a
        // frame or two before it makes the page wait, so a few fast intervals prove little.
        if (drawn >= 0.5 * budget) budget *= GROWTH;
      } else {
        // Slower than aimed at: the points a frame can draw, if the time is spent per point
        // (a frame's fixed costs make this an underestimate, on the safe side). Halfway
        // there, since frames overlap in the pipeline and one interval may belong to another.
        const fits = (drawn * o.target) / interval;
        budget = Math.max(o.floor, 0.5 * Math.min(budget, drawn) + 0.5 * fits);
      }
    },
  };
}
