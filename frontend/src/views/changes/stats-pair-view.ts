// One node's channel statistics under A and B side by side (the "Inside" panel): shown at once
// when both are cached, otherwise a button runs the missing passes over the dataset. A table of
// channels, largest change first, with the mean's change coloured A minus B.
import { ApiError } from "../../api/client";
import type { ChannelStats } from "../../api/types";
import { JobCancelled } from "../../state/jobs";
import { formatNumber } from "../../ui/colors";
import { el, formatPercent, showError } from "../../ui/dom";
import type { AppContext } from "../view";
import { changesApi, type Side } from "./changes-api";
import { diverging } from "./diverging";
import { type PairColumn, pairStats, sortPairs, type StatsPairing } from "./stats-pair";

export interface StatsPairView {
  readonly element: HTMLElement;
  /** Show `node`'s statistics (the compared model may have changed too). */
  show(node: string): void;
  destroy(): void;
}

const SIDES: readonly Side[] = ["selected", "compare"];
const letter = (side: Side): string => (side === "selected" ? "A" : "B");

export function createStatsPair(context: AppContext): StatsPairView {
  const { changes } = context;
  const body = el("div", { class: "wc-stats-body", id: "stats-pair" });
  const element = el("div", { class: "wc-stats-pair" }, body);
  let generation = 0;
  let node = "";
  let column: PairColumn = "change";

  const fetchBoth = (of: string): Promise<(ChannelStats | null)[]> =>
    Promise.all(SIDES.map((side) => changesApi.channelStats(of, side)));

  const ask = (found: readonly (ChannelStats | null)[], error?: unknown): void => {
    const missing = SIDES.filter((_, i) => found[i] === null);
    const button = el("button", { id: "stats-pair-run", class: "wc-run" }, "Compute channel statistics");
    button.onclick = () => void run(button, missing);
    const what = missing.map(letter).join(" and ");
    body.replaceChildren(
      el(
        "p",
        { class: "muted" },
        `Mean activation and dead fraction of each channel of ${node} over all ${context.dataset.size.toLocaleString()} images, under ${what} (one pass each, cached).`,
      ),
      button,
    );
    if (error !== undefined) {
      const message = el("div", {});
      showError(message, error);
      body.prepend(message);
    }
  };

  const run = async (button: HTMLButtonElement, missing: readonly Side[]): Promise<void> => {
    const mine = generation;
    const of = node;
    button.disabled = true;
    button.textContent = "Computing…";
    try {
      for (const side of missing) {
        if (mine !== generation) return; // another node or model since: start nothing more
        await context.jobs.run(`Channel statistics under ${letter(side)}`, () =>
          changesApi.startChannelStats(of, side),
        );
      }
      const found = await fetchBoth(of);
      if (mine !== generation) return;
      const [a, b] = found;
      if (!a || !b) throw new ApiError("The statistics jobs finished but left no result.", 500);
      draw(pairStats(a, b), a.images);
    } catch (error) {
      if (mine === generation) ask([null, null], error instanceof JobCancelled ? undefined : error);
    }
  };

  const draw = (pairing: StatsPairing, images: number): void => {
    const summary = el(
      "p",
      { class: "wc-stats-summary" },
      `Over ${images.toLocaleString()} images · never fire: `,
      el("strong", {}, `A ${pairing.deadA}`),
      ", ",
      el("strong", {}, `B ${pairing.deadB}`),
      ` · went silent in A: ${pairing.diedInA} · came alive in A: ${pairing.revivedInA}`,
      pairing.unpaired ? ` · ${pairing.unpaired} channels only one model has, not shown` : "",
    );
    const table = el("table", { class: "stats-table wc-stats-table", id: "stats-pair-table" });
    const limit = Math.max(1e-12, ...pairing.rows.map((r) => Math.abs(r.meanA - r.meanB)));
    const head = (key: PairColumn | null, label: string, title: string): HTMLElement => {
      const arrow = key !== column ? "" : key === "channel" ? " ↑" : " ↓";
      const th = el("th", { title, ...(key ? { "data-column": key } : {}) }, label + arrow);
      if (key)
        th.onclick = () => {
          column = key;
          draw(pairing, images);
        };
      return th;
    };
    const rows = sortPairs(pairing.rows, column).map((row) => {
      const change = row.meanA - row.meanB;
      return el(
        "tr",
        { "data-channel": String(row.channel) },
        el("td", {}, String(row.channel)),
        el("td", {}, formatNumber(row.meanA)),
        el("td", {}, formatNumber(row.meanB)),
        el(
          "td",
          { class: "wc-stats-change", style: `background:${diverging(change / limit)}` },
          `${change > 0 ? "+" : ""}${formatNumber(change)}`,
        ),
        el("td", { class: row.deadA >= 0.5 ? "warn" : "" }, formatPercent(row.deadA)),
        el("td", { class: row.deadB >= 0.5 ? "warn" : "" }, formatPercent(row.deadB)),
        el("td", {}, `${row.deadA > row.deadB ? "+" : ""}${formatPercent(row.deadA - row.deadB)}`),
      );
    });
    table.replaceChildren(
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          head("channel", "channel", "Sort by channel"),
          head(null, "mean A", "Mean activation under A"),
          head(null, "mean B", "Mean activation under B"),
          head("change", "Δ mean", "A − B; sort by its size, largest first"),
          head(null, "dead A", "Fraction of images on which the channel never fires under A"),
          head(null, "dead B", "Fraction of images on which the channel never fires under B"),
          head("dead-change", "Δ dead", "A − B; sort by its size, largest first"),
        ),
      ),
      el("tbody", {}, ...rows),
    );
    body.replaceChildren(summary, el("div", { class: "stats-scroll" }, table));
  };

  let shownFor = "";
  const show = (next: string): void => {
    const info = changes.checkpoints.get();
    // The maps follow the image too; the statistics are over the dataset, so only a new node
    // or another A or B asks for them again.
    const key = JSON.stringify([next, info.model, info.compare, info.compare_checkpoint]);
    if (key === shownFor) return;
    shownFor = key;
    node = next;
    const mine = ++generation;
    if (info.compare === null) {
      body.replaceChildren(el("p", { class: "muted" }, "No model is compared with: pick one in the header."));
      return;
    }
    body.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    fetchBoth(next)
      .then((found) => {
        if (mine !== generation) return;
        const [a, b] = found;
        if (a && b) draw(pairStats(a, b), a.images);
        else ask(found);
      })
      .catch((error: unknown) => {
        if (mine !== generation) return;
        shownFor = ""; // shown again, it asks again
        if (error instanceof ApiError && error.status === 404) {
          // The node is one of A's (the maps' picker lists A's nodes): B has none of that name.
          body.replaceChildren(
            el(
              "p",
              { class: "muted" },
              `B (${info.compare ?? ""}) has no node ${next}: channel statistics compare models with the same layer names, such as two checkpoints of one network.`,
            ),
          );
          return;
        }
        ask([null, null], error);
      });
  };

  return {
    element,
    show,
    destroy() {
      generation++;
    },
  };
}
