import { describe, expect, it } from "vitest";
import { createLayerStore } from "./layer-store";

/** A loader whose fetches finish when the test says: each layer's pending fetch, by layer. */
function loader() {
  const pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: unknown) => void }>();
  const started: number[] = [];
  const load = (layer: number): Promise<Float32Array> =>
    new Promise((resolve, reject) => {
      started.push(layer);
      pending.set(layer, { resolve, reject });
    });
  const finish = async (layer: number, error?: unknown): Promise<void> => {
    const p = pending.get(layer);
    if (!p) throw new Error(`layer ${layer} was not being fetched`);
    pending.delete(layer);
    if (error === undefined) p.resolve(Float32Array.of(layer, layer));
    else p.reject(error);
    await Promise.resolve();
    await Promise.resolve();
  };
  return { load, finish, started, pending };
}

describe("the layer store", () => {
  it("fetches the wanted layers in order, two at a time, and keeps them", async () => {
    const l = loader();
    const loaded: number[] = [];
    const store = createLayerStore({
      layers: 10,
      load: l.load,
      onLoad: (layer) => loaded.push(layer),
      onError: () => {},
    });
    store.want([3, 4, 2, 5]);
    expect(l.started).toEqual([3, 4]);
    await l.finish(4);
    expect(l.started).toEqual([3, 4, 2]);
    await l.finish(3);
    await l.finish(2);
    await l.finish(5);
    expect(loaded).toEqual([4, 3, 2, 5]);
    expect(store.get(4)).toEqual(Float32Array.of(4, 4));
    store.want([4, 3]); // loaded: nothing fetched again
    expect(l.started).toEqual([3, 4, 2, 5]);
  });

  it("lets later wishes replace what has not started, and skips layers out of range", async () => {
    const l = loader();
    const store = createLayerStore({ layers: 6, load: l.load, onLoad: () => {}, onError: () => {}, concurrency: 1 });
    store.want([0, 1, 2]);
    store.want([5, 5, -1, 6, 1.5, 4]); // the slider moved on: 1 and 2 are no longer wanted
    await l.finish(0);
    await l.finish(5);
    await l.finish(4);
    expect(l.started).toEqual([0, 5, 4]);
    expect(store.has(1)).toBe(false);
  });

  it("reports a failed layer and fetches it again when next wanted", async () => {
    const l = loader();
    const errors: number[] = [];
    const store = createLayerStore({
      layers: 3,
      load: l.load,
      onLoad: () => {},
      onError: (layer) => errors.push(layer),
    });
    store.want([1]);
    await l.finish(1, new Error("503"));
    expect(errors).toEqual([1]);
    expect(store.has(1)).toBe(false);
    store.want([1]);
    await l.finish(1);
    expect(store.has(1)).toBe(true);
    expect(l.started).toEqual([1, 1]);
  });

  it("keeps and reports nothing once destroyed", async () => {
    const l = loader();
    const loaded: number[] = [];
    const store = createLayerStore({
      layers: 3,
      load: l.load,
      onLoad: (layer) => loaded.push(layer),
      onError: () => {},
    });
    store.want([0, 1, 2]);
    store.destroy();
    await l.finish(0);
    expect(loaded).toEqual([]);
    expect(store.has(0)).toBe(false);
    expect(l.started).toEqual([0, 1]);
  });
});
