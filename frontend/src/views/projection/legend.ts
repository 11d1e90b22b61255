// What the colours mean, and which points are shown: colour by true class, predicted class or
// right/wrong; one toggle per colour (click: hide or show; double-click: show only that one).
import { classColor } from "../../ui/colors";
import { el } from "../../ui/dom";

export type ColorMode = "true" | "predicted" | "correct";

export const RIGHT_WRONG: readonly [string, string] = ["#0072B2", "#D55E00"]; // Okabe-Ito blue, vermillion
/** The outline of tray images (and of their originals): a purple no class colour uses. */
export const TRAY_OUTLINE = "#7B2CBF";

export interface LegendEntry {
  key: number;
  label: string;
  count: number;
  /** Fill colour: the points' own (the default, the mode's colour of `key`, is for entries
   * made elsewhere). */
  color?: string;
  /** The tray image's id, for a tray image's own entry. */
  tray?: string;
}

export interface Legend {
  readonly element: HTMLElement;
  mode(): ColorMode;
  hidden(): ReadonlySet<number>;
  setEvaluated(evaluated: boolean): void;
  setEntries(entries: readonly LegendEntry[]): void;
}

/** Unknown class: a light grey, apart from the palette's mid grey (class 7). */
const UNKNOWN = "#c9ced4";

export function colorOf(mode: ColorMode, key: number): string {
  if (key < 0) return UNKNOWN;
  return mode === "correct" ? (RIGHT_WRONG[key] ?? UNKNOWN) : classColor(key);
}

export function createLegend(onChange: () => void): Legend {
  const select = el("select", { id: "projection-color", title: "What the colours show" });
  select.append(
    el("option", { value: "true" }, "true class"),
    el("option", { value: "predicted" }, "predicted class"),
    el("option", { value: "correct" }, "right / wrong"),
  );
  const items = el("div", { class: "pj-legend-items", id: "projection-legend" });
  const hidden: Record<ColorMode, Set<number>> = { true: new Set(), predicted: new Set(), correct: new Set() };
  let entries: readonly LegendEntry[] = [];
  const mode = (): ColorMode => select.value as ColorMode;

  const render = (): void => {
    const off = hidden[mode()];
    items.replaceChildren(
      ...entries.map((entry) => {
        const item = el(
          "button",
          {
            type: "button",
            class: "pj-legend-item",
            ...(entry.tray ? { "data-tray": entry.tray } : {}),
            "aria-pressed": String(!off.has(entry.key)),
            title: "Click: hide or show · double-click: show only these",
          },
          el("span", {
            class: entry.tray ? "pj-swatch pj-swatch-tray" : "pj-swatch",
            style: `background:${entry.color ?? colorOf(mode(), entry.key)}`,
          }),
          el("span", { class: "pj-legend-label", title: entry.label }, entry.label),
          el("span", { class: "pj-legend-count" }, entry.count.toLocaleString()),
        );
        item.onclick = () => {
          if (off.has(entry.key)) off.delete(entry.key);
          else off.add(entry.key);
          render();
          onChange();
        };
        item.ondblclick = () => {
          off.clear();
          for (const other of entries) if (other.key !== entry.key) off.add(other.key);
          render();
          onChange();
        };
        return item;
      }),
    );
  };

  select.onchange = () => {
    onChange();
  };

  return {
    element: el(
      "div",
      { class: "pj-legend" },
      el("label", { class: "pj-row", for: "projection-color" }, el("span", { class: "muted" }, "Colour by"), select),
      items,
    ),
    mode,
    hidden: () => hidden[mode()],
    setEvaluated(evaluated) {
      for (const option of select.options) option.disabled = !evaluated && option.value !== "true";
      if (!evaluated && select.value !== "true") select.value = "true";
      select.title = evaluated ? "What the colours show" : "Predicted class and right/wrong need the evaluation";
    },
    setEntries(next) {
      entries = next;
      render();
    },
  };
}
