import { describe, expect, it } from "vitest";
import { channelCounts, SECTIONS, stateFromUrl, Store, urlWithState, type AppState } from "./store";

const counts = channelCounts([
  { name: "conv1", shape: [16, 32, 32] },
  { name: "fc", shape: [10] },
  { name: "loss", shape: [] },
]);
const IMAGES = 500;
const BASE = "http://localhost:8000/";
const read = (query: string): AppState => stateFromUrl(new URL(BASE + query), IMAGES, counts);

const DEFAULT: AppState = {
  section: "architecture",
  panel: null,
  image: 0,
  tray: null,
  node: null,
  channel: null,
};

describe("the URL state", () => {
  it("reads back every state it writes (the tray excepted: it lives only as long as the server)", () => {
    const states: AppState[] = [
      DEFAULT,
      { section: "data", panel: "projection", image: 499, tray: null, node: null, channel: null },
      { section: "semantics", panel: "channel", image: 7, tray: null, node: "conv1", channel: 15 },
      { section: "whatif", panel: null, image: 3, tray: "ab12", node: "fc", channel: 0 },
      { section: "semantics", panel: "strip", image: 1, tray: null, node: "conv1", channel: null },
    ];
    for (const state of states) {
      const url = urlWithState(new URL(BASE), state);
      expect(stateFromUrl(url, IMAGES, counts)).toEqual({ ...state, tray: null });
      expect(url.searchParams.has("tray")).toBe(false);
    }
  });

  it("keeps the URL's other parameters and drops the ones the state leaves empty", () => {
    const url = urlWithState(new URL(BASE + "?debug=1&panel=strip&node=fc&channel=3"), DEFAULT);
    expect(url.searchParams.get("debug")).toBe("1");
    expect(["panel", "node", "channel"].some((key) => url.searchParams.has(key))).toBe(false);
  });

  it("rejects an unknown section, image, node or channel, keeping the rest", () => {
    expect(read("?section=settings")).toEqual(DEFAULT);
    expect(read("?section=data&image=500").image).toBe(0); // one past the last image
    expect(read("?section=data&image=499").image).toBe(499);
    expect(read("?node=conv9&channel=1")).toMatchObject({ node: null, channel: null });
    expect(read("?node=conv1&channel=16")).toMatchObject({ node: "conv1", channel: null });
    expect(read("?node=fc&channel=9")).toMatchObject({ node: "fc", channel: 9 });
    expect(read("?node=loss&channel=0")).toMatchObject({ node: "loss", channel: 0 }); // a scalar: one
    expect(read("?channel=3")).toMatchObject({ node: null, channel: null }); // a channel needs its node
  });

  it("accepts only plain decimal image and channel numbers", () => {
    for (const bad of ["-1", "1.5", "5.0", "1e2", "0x10", " 5", "5 ", "+5", "", "NaN", "Infinity", "9".repeat(20)]) {
      const query = `?image=${encodeURIComponent(bad)}&node=conv1&channel=${encodeURIComponent(bad)}`;
      expect(read(query), bad).toMatchObject({ image: 0, node: "conv1", channel: null });
    }
    expect(read("?image=042&node=conv1&channel=07")).toMatchObject({ image: 42, channel: 7 });
  });

  it("takes every section by name, and an empty panel as none", () => {
    for (const section of SECTIONS) expect(read(`?section=${section}`).section).toBe(section);
    expect(read("?section=data&panel=").panel).toBeNull();
  });
});

describe("Store.update", () => {
  const start: AppState = { ...DEFAULT, section: "architecture", node: "conv1", channel: 4 };

  it("drops the channel when another node is picked, unless the patch names a valid one", () => {
    const store = new Store(start, counts);
    store.update({ node: "fc" });
    expect(store.get()).toMatchObject({ node: "fc", channel: null });
    store.update({ node: "conv1", channel: 12 });
    expect(store.get()).toMatchObject({ node: "conv1", channel: 12 });
    store.update({ node: "fc", channel: 12 }); // fc has 10 channels
    expect(store.get()).toMatchObject({ node: "fc", channel: null });
  });

  it("tells its listeners only about real changes", () => {
    const store = new Store(start, counts);
    const seen: AppState[] = [];
    store.subscribe((state) => seen.push(state));
    store.update({ node: "conv1", channel: 4 });
    store.update({ image: 3 });
    store.update({ image: 3 });
    expect(seen).toEqual([{ ...start, image: 3 }]);
  });
});
