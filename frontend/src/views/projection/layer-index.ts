// Each layer's picking index, built once, on demand (the first pick at rest on a layer) and in a
// worker (index-worker.ts); where no worker can start, built here instead, after the pick that
// asked. A pick asked for before its index is ready finds none; `onReady` says when to pick again.
import type { IndexReply, IndexRequest } from "./index-worker";
import { buildIndex, fromIndexData, type PointIndex } from "./picking";

export interface LayerIndexes {
  /** The layer's index, or null while it is being built (the build is asked for once). */
  get(layer: number, coords: Float32Array): PointIndex | null;
  /** Forget every index (new data). */
  clear(): void;
  destroy(): void;
}

export function createLayerIndexes(onReady: (layer: number) => void): LayerIndexes {
  const ready = new Map<number, PointIndex>();
  // The layers being built, with their coordinates (to build here should the worker fail).
  const building = new Map<number, Float32Array>();
  let generation = 0;
  let worker: Worker | null = null;
  let workerFailed = false;

  const done = (layer: number, index: PointIndex): void => {
    ready.set(layer, index);
    building.delete(layer);
    onReady(layer);
  };
  const buildHere = (layer: number, coords: Float32Array): void => {
    const made = generation;
    setTimeout(() => {
      if (made === generation && building.get(layer) === coords) done(layer, buildIndex(coords));
    }, 0);
  };
  const startWorker = (): Worker | null => {
    if (worker || workerFailed) return worker;
    try {
      worker = new Worker(new URL("./index-worker.ts", import.meta.url), { type: "module" });
    } catch {
      workerFailed = true;
      return null;
    }
    worker.onmessage = (event: MessageEvent<IndexReply>) => {
      const reply = event.data;
      if (reply.generation === generation) done(reply.layer, fromIndexData(reply));
    };
    worker.onerror = (event) => {
      // The worker could not load (a policy, an old browser): build what it was given here.
      event.preventDefault();
      workerFailed = true;
      worker?.terminate();
      worker = null;
      for (const [layer, coords] of building) buildHere(layer, coords);
    };
    return worker;
  };

  return {
    get(layer, coords) {
      const index = ready.get(layer);
      if (index || building.has(layer)) return index ?? null;
      building.set(layer, coords);
      const target = startWorker();
      if (target) target.postMessage({ layer, generation, coords } satisfies IndexRequest);
      else buildHere(layer, coords);
      return null;
    },
    clear() {
      generation++;
      ready.clear();
      building.clear();
    },
    destroy() {
      worker?.terminate();
      worker = null;
      ready.clear();
      building.clear();
    },
  };
}
