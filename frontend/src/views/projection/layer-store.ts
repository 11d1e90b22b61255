// A projection's coordinates, fetched one layer at a time as the view needs them (a million
// points are 8 MB a layer): the layer asked for first, then its neighbours, a few at once. A
// layer once loaded is kept (the loop comes back to it); a failed one is fetched again when
// next wanted.

export interface LayerStoreOptions {
  layers: number;
  load(layer: number): Promise<Float32Array>;
  onLoad(layer: number, coords: Float32Array): void;
  onError(layer: number, error: unknown): void;
  /** Fetches at once (default 2). */
  concurrency?: number;
}

export interface LayerStore {
  has(layer: number): boolean;
  get(layer: number): Float32Array | undefined;
  /** Fetch these layers, the first most wanted; what was wanted before and has not started
   * gives way to them. Layers out of range, loaded or on their way are skipped. */
  want(layers: readonly number[]): void;
  /** Stop: nothing fetched from now on is kept or reported. */
  destroy(): void;
}

export function createLayerStore(o: LayerStoreOptions): LayerStore {
  const loaded = new Map<number, Float32Array>();
  const inFlight = new Set<number>();
  let queue: number[] = [];
  let stopped = false;
  const concurrency = Math.max(1, o.concurrency ?? 2);

  const pump = (): void => {
    while (!stopped && inFlight.size < concurrency && queue.length) {
      const layer = queue.shift() ?? 0;
      if (loaded.has(layer) || inFlight.has(layer)) continue;
      inFlight.add(layer);
      o.load(layer).then(
        (coords) => {
          inFlight.delete(layer);
          if (stopped) return;
          loaded.set(layer, coords);
          o.onLoad(layer, coords);
          pump();
        },
        (error: unknown) => {
          inFlight.delete(layer);
          if (stopped) return;
          o.onError(layer, error);
          pump();
        },
      );
    }
  };

  return {
    has: (layer) => loaded.has(layer),
    get: (layer) => loaded.get(layer),
    want(layers) {
      const fresh = layers.filter(
        (l, i) =>
          Number.isInteger(l) &&
          l >= 0 &&
          l < o.layers &&
          !loaded.has(l) &&
          !inFlight.has(l) &&
          layers.indexOf(l) === i,
      );
      queue = fresh;
      pump();
    },
    destroy() {
      stopped = true;
      queue = [];
    },
  };
}
