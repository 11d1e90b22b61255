// The app's shared state: which section, current image and node. The URL mirrors it, so a view
// can be bookmarked and reloaded.

export const SECTIONS = ["architecture", "data", "semantics", "whatif"] as const;
export type Section = (typeof SECTIONS)[number];

export interface AppState {
  section: Section;
  image: number;
  node: string | null;
}

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

export class Store extends Observable<AppState> {
  update(patch: Partial<AppState>): void {
    const next = { ...this.get(), ...patch };
    const current = this.get();
    if (next.section === current.section && next.image === current.image && next.node === current.node) return;
    this.set(next);
  }
}

export function stateFromUrl(url: URL, imageCount: number, nodes: ReadonlySet<string>): AppState {
  const section = url.searchParams.get("section");
  const image = Number(url.searchParams.get("image") ?? "0");
  const node = url.searchParams.get("node");
  return {
    section: (SECTIONS as readonly string[]).includes(section ?? "") ? (section as Section) : "architecture",
    image: Number.isInteger(image) && image >= 0 && image < imageCount ? image : 0,
    node: node !== null && nodes.has(node) ? node : null,
  };
}

/** Keep the address bar in step with the state (replaceState: no history entry per click). */
export function mirrorToUrl(store: Store): void {
  store.subscribe((state) => {
    const url = new URL(window.location.href);
    url.searchParams.set("section", state.section);
    url.searchParams.set("image", String(state.image));
    if (state.node === null) url.searchParams.delete("node");
    else url.searchParams.set("node", state.node);
    window.history.replaceState(null, "", url);
  });
}
