// The app's shared state: which section and panel, the current image, node and channel. The URL
// mirrors it (all but the tray image, which lives only as long as the server run), so a view can
// be bookmarked and reloaded.

export const SECTIONS = ["architecture", "data", "semantics", "whatif", "changes"] as const;
export type Section = (typeof SECTIONS)[number];

export interface AppState {
  section: Section;
  /** The sub-panel of the section (e.g. "projection", "strip"); null for the section's first. */
  panel: string | null;
  /** The current dataset image (also the origin of the tray image, if one is current). */
  image: number;
  /** When set, the current image is this tray image (an edit or upload), not dataset `image`. */
  tray: string | null;
  node: string | null;
  /** A channel of `node`, for views about one channel (semantics, strips, ablation). */
  channel: number | null;
}

const KEYS = ["section", "panel", "image", "tray", "node", "channel"] as const;

type Listener<T> = (value: T, previous: T) => void;

/** A value with change notification: the one mechanism views use to react to each other. */
export class Observable<T> {
  private listeners = new Set<Listener<T>>();
  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(value: T): void {
    const previous = this.value;
    if (Object.is(previous, value)) return;
    this.value = value;
    for (const listener of [...this.listeners]) listener(value, previous);
  }

  subscribe(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Channels per node (the first dimension of its output, 1 for a scalar), for checking a channel. */
export type ChannelCounts = ReadonlyMap<string, number>;

export function channelCounts(nodes: readonly { name: string; shape: readonly number[] }[]): Map<string, number> {
  return new Map(nodes.map((n) => [n.name, n.shape[0] ?? 1]));
}

/** Whether `channel` is a channel of `node`. */
export function validChannel(channel: number | null, node: string | null, counts: ChannelCounts): channel is number {
  if (channel === null || node === null || !Number.isInteger(channel) || channel < 0) return false;
  return channel < (counts.get(node) ?? 0);
}

export class Store extends Observable<AppState> {
  /** `channels`: how many channels each node has (a channel must exist on its node). */
  constructor(
    initial: AppState,
    private readonly channels: ChannelCounts,
  ) {
    super(initial);
  }

  /**
   * A channel belongs to its node: a patch that picks another node (a click in the graph, a
   * dropdown, a link) drops the channel, unless it names one that is valid for the new node
   * (`{ node, channel }`, as "What it means" and "Ablate" do). Every view gets this from here.
   */
  update(patch: Partial<AppState>): void {
    const current = this.get();
    const next = { ...current, ...patch };
    if (next.node !== current.node && !("channel" in patch)) next.channel = null;
    if (next.channel !== null && !validChannel(next.channel, next.node, this.channels)) next.channel = null;
    if (KEYS.every((key) => next[key] === current[key])) return;
    this.set(next);
  }
}

/** A count written as the URL writes one (decimal digits only: not "1e2", "0x10", " 5" or "5.0"). */
function parseCount(text: string | null): number | null {
  return text !== null && /^\d{1,15}$/.test(text) ? Number(text) : null;
}

/** The state a URL asks for: known sections, images, nodes and their channels only. */
export function stateFromUrl(url: URL, imageCount: number, nodes: ChannelCounts): AppState {
  const section = url.searchParams.get("section");
  const image = parseCount(url.searchParams.get("image"));
  const node = url.searchParams.get("node");
  const channel = parseCount(url.searchParams.get("channel"));
  const validNode = node !== null && nodes.has(node) ? node : null;
  return {
    section: (SECTIONS as readonly string[]).includes(section ?? "") ? (section as Section) : "architecture",
    panel: url.searchParams.get("panel") || null,
    image: image !== null && image < imageCount ? image : 0,
    tray: null,
    node: validNode,
    channel: validChannel(channel, validNode, nodes) ? channel : null,
  };
}

/** `url` with the state's parameters (the others it has are kept); the tray is never written. */
export function urlWithState(url: URL, state: AppState): URL {
  const next = new URL(url);
  next.searchParams.set("section", state.section);
  next.searchParams.set("image", String(state.image));
  for (const key of ["panel", "node", "channel"] as const) {
    const value = state[key];
    if (value === null) next.searchParams.delete(key);
    else next.searchParams.set(key, String(value));
  }
  return next;
}

/** Keep the address bar in step with the state (replaceState: no history entry per click). */
export function mirrorToUrl(store: Store): void {
  store.subscribe((state) => {
    window.history.replaceState(null, "", urlWithState(new URL(window.location.href), state));
  });
}
