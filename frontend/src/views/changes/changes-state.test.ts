import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Job } from "../../api/types";
import type { JobRunner } from "../../state/jobs";
import type { CheckpointsInfo, Comparison } from "./changes-api";

// The routes, answered here: each comparison job waits until the test finishes it.
const pending: ((comparison: Comparison) => void)[] = [];
vi.mock("./changes-api", () => ({
  changesApi: {
    startComparison: () => Promise.resolve({ id: "job" } as Job),
    comparisonOf: () => new Promise<Comparison>((resolve) => pending.push(resolve)),
    compare: (choice: { checkpoint: number | null }) =>
      Promise.resolve({
        ...info,
        compare: choice.checkpoint === null ? null : "other",
        compare_checkpoint: choice.checkpoint,
      }),
  },
}));
const { createChangesState } = await import("./changes-state");

const info: CheckpointsInfo = {
  checkpoints: ["epoch_1", "epoch_2"],
  series: true,
  selected: 1,
  model: "cnn epoch_2",
  compare: "cnn epoch_1",
  compare_checkpoint: 0,
  external: null,
};
const comparison = (b: string): Comparison => ({
  key: b,
  a: "cnn epoch_2",
  b,
  classes: ["0", "1"],
  confusion: [
    [1, 0],
    [0, -1],
  ],
  recall_a: [1, 0.5],
  recall_b: [0.5, 1],
  accuracy_a: 0.75,
  accuracy_b: 0.75,
  fixed: [3],
  broken: [1],
  changed: [1, 3],
});
let started = 0;
const jobs: JobRunner = {
  run: async (_label, start) => {
    started++;
    return start();
  },
};
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe("the comparison the views share", () => {
  beforeEach(() => {
    pending.length = 0;
    started = 0;
  });

  it("runs one job for every view that asks at once, and is kept once computed", async () => {
    const state = createChangesState(info, jobs);
    const first = state.compare();
    const second = state.compare();
    await settle();
    expect(started).toBe(1);
    pending[0]?.(comparison("cnn epoch_1"));
    expect(await first).toBe(await second);
    expect(state.comparison.get()?.b).toBe("cnn epoch_1");
  });

  it("is dropped when the model compared with changes, even one still being computed", async () => {
    const state = createChangesState(info, jobs);
    const early = state.compare();
    await settle();
    await state.setCompare({ checkpoint: 1, external: false });
    pending[0]?.(comparison("cnn epoch_1")); // finished after the change: for the old B
    await early;
    expect(state.comparison.get()).toBeNull();
    const fresh = state.compare(); // a new job, for the new B
    await settle();
    expect(started).toBe(2);
    pending[1]?.(comparison("other"));
    await fresh;
    expect(state.comparison.get()?.b).toBe("other");
    await state.setCompare({ checkpoint: null, external: false });
    expect(state.comparison.get()).toBeNull();
    expect(state.checkpoints.get().compare).toBeNull();
  });
});
