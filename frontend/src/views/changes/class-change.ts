// Each class's accuracy from B (compared) to A (selected) as bars about zero: to the right where
// A gets more of the class right, to the left where it gets fewer; both accuracies beside it.
import { el, formatPercent } from "../../ui/dom";

/** `to`'s accuracy minus `from`'s for each class (null where either has no image of it). */
export function classChanges(from: readonly (number | null)[], to: readonly (number | null)[]): (number | null)[] {
  return from.map((a, i) => {
    const b = to[i] ?? null;
    return a === null || b === null ? null : b - a;
  });
}

export function createClassChange(
  classes: readonly string[],
  recallA: readonly (number | null)[],
  recallB: readonly (number | null)[],
): HTMLElement {
  const changes = classChanges(recallB, recallA);
  const largest = Math.max(0.01, ...changes.map((c) => Math.abs(c ?? 0)));
  return el(
    "div",
    { id: "class-change", class: "wc-bars", role: "list" },
    ...classes.map((name, i) => {
      const change = changes[i] ?? null;
      const share = change === null ? 0 : (Math.abs(change) / largest) * 50;
      const points = change === null ? "–" : `${change > 0 ? "+" : ""}${(change * 100).toFixed(1)}`;
      return el(
        "div",
        {
          class: "wc-bar-row",
          role: "listitem",
          "data-class": String(i),
          "data-change": change === null ? "" : change.toFixed(6),
          title: `${name}: ${formatPercent(recallA[i] ?? null)} under A, ${formatPercent(recallB[i] ?? null)} under B`,
        },
        el("span", { class: "wc-bar-name" }, name),
        el(
          "span",
          { class: "wc-bar-track wc-bar-track-signed" },
          el("span", {
            class: `wc-bar ${change !== null && change < 0 ? "down" : "up"}`,
            style: change !== null && change < 0 ? `right:50%;width:${share}%` : `left:50%;width:${share}%`,
          }),
        ),
        el(
          "span",
          { class: "wc-bar-value" },
          `${formatPercent(recallB[i] ?? null)} → ${formatPercent(recallA[i] ?? null)}`,
        ),
        el("span", { class: `wc-bar-delta ${change !== null && change < 0 ? "down" : "up"}` }, points),
      );
    }),
  );
}
