// What the views share about A (the selected model) and B (the one compared with): the series
// and the choice (the header changes it), the comparison of A and B once computed (the What
// changed panel and the data grid's "changed B→A" filter read it), and a request to open the
// grid filtered to the images that flipped.
import type { JobRunner } from "../../state/jobs";
import { Observable } from "../../state/store";
import { changesApi, type CheckpointsInfo, type CompareChoice, type Comparison } from "./changes-api";
import type { FlipKind } from "./flips";

/** Asks the data grid to show the images that flipped this way (a fresh object each time, so
 * that asking twice for the same kind is heard twice). */
export interface FlipRequest {
  kind: FlipKind;
}

export interface ChangesState {
  readonly checkpoints: Observable<CheckpointsInfo>;
  /** The comparison of the current A and B (null until computed, and again when B changes). */
  readonly comparison: Observable<Comparison | null>;
  readonly gridFlip: Observable<FlipRequest | null>;
  /** Compute (or join) the comparison of the current A and B; resolves with it. */
  compare(): Promise<Comparison>;
  /** Compare with another model (PUT api/checkpoints/compare). */
  setCompare(choice: CompareChoice): Promise<void>;
  /** Show checkpoint `checkpoint` in every view: the server switches, the page reloads (its URL
   * keeps the state, so every view comes back on the new model). */
  select(checkpoint: number): Promise<void>;
}

export function createChangesState(initial: CheckpointsInfo, jobs: JobRunner): ChangesState {
  const checkpoints = new Observable(initial);
  const comparison = new Observable<Comparison | null>(null);
  let running: { generation: number; result: Promise<Comparison> } | null = null;
  let generation = 0; // counts changes of B: a comparison started before one is dropped

  checkpoints.subscribe((next, previous) => {
    if (next.compare === previous.compare && next.compare_checkpoint === previous.compare_checkpoint) return;
    generation++;
    running = null;
    comparison.set(null);
  });

  return {
    checkpoints,
    comparison,
    gridFlip: new Observable<FlipRequest | null>(null),
    compare() {
      const mine = generation;
      if (running?.generation === mine) return running.result;
      const result = (async () => {
        try {
          const job = await jobs.run("Comparing A and B", changesApi.startComparison);
          const found = await changesApi.comparisonOf(job);
          if (mine === generation) comparison.set(found);
          return found;
        } finally {
          if (running?.generation === mine) running = null;
        }
      })();
      running = { generation: mine, result };
      return result;
    },
    async setCompare(choice) {
      checkpoints.set(await changesApi.compare(choice));
    },
    async select(checkpoint) {
      await changesApi.select(checkpoint);
      window.location.reload();
    },
  };
}
