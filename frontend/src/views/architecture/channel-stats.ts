// Channel statistics of a node over the whole dataset: mean activation and dead fraction (the
// fraction of images on which the channel never fires). Shown at once when the server has them
// (GET 200); otherwise a button starts the job. A sortable table; a row click focuses the channel.
import { ApiError } from "../../api/client";
import type { ChannelStats, GraphNode } from "../../api/types";
import { JobCancelled } from "../../state/jobs";
import { formatNumber } from "../../ui/colors";
import { el, formatPercent, showError } from "../../ui/dom";
import type { AppContext } from "../view";

export interface StatsSection {
  readonly element: HTMLElement;
  destroy(): void;
}

type Column = "channel" | "mean" | "dead";

export function createChannelStats(
  context: AppContext,
  node: GraphNode,
  onStats: (stats: ChannelStats) => void,
  onChannel: (channel: number) => void,
): StatsSection {
  const body = el("div", { class: "stats-body" });
  const element = el(
    "section",
    { class: "arch-section", id: "channel-stats" },
    el("h3", {}, "Channel statistics"),
    body,
  );
  let alive = true;
  let sort: { column: Column; descending: boolean } = { column: "channel", descending: false };

  const ask = (error?: unknown): void => {
    const button = el("button", { id: "channel-stats-button", class: "primary" }, "Channel statistics");
    button.onclick = () => void run(button);
    const note = el(
      "p",
      { class: "muted" },
      `Mean activation and dead fraction of each channel over all ${context.dataset.size.toLocaleString()} images (one pass over the dataset, cached).`,
    );
    body.replaceChildren(note, button);
    if (error !== undefined) {
      const message = el("div", {});
      showError(message, error);
      body.prepend(message);
    }
  };

  const run = async (button: HTMLButtonElement): Promise<void> => {
    button.disabled = true;
    button.textContent = "Computing…";
    try {
      await context.jobs.run("Channel statistics", () => context.api.startChannelStats(node.name));
      const stats = await context.api.channelStats(node.name);
      if (!stats) throw new ApiError("The statistics job finished but left no result.", 500);
      if (alive) show(stats);
    } catch (error) {
      if (alive) ask(error instanceof JobCancelled ? undefined : error);
    }
  };

  const show = (stats: ChannelStats): void => {
    onStats(stats);
    const channels = stats.mean.length;
    const dead = stats.dead_fraction.filter((d) => d >= 0.99).length;
    const mostlyDead = stats.dead_fraction.filter((d) => d >= 0.5).length;
    const summary = el(
      "p",
      { class: "stats-summary" },
      `Over ${stats.images.toLocaleString()} images · ${channels} channels · `,
      el("strong", { class: dead ? "warn" : "" }, `${dead} never fire`),
      ` (≥99% of images) · ${mostlyDead} silent on half the images or more.`,
    );
    const table = el("table", { id: "channel-stats-table", class: "stats-table" });
    const maxMean = Math.max(1e-12, ...stats.mean.map(Math.abs));
    const draw = (): void => {
      const rows = Array.from({ length: channels }, (_, i) => i);
      const key = (i: number): number =>
        sort.column === "mean" ? (stats.mean[i] ?? 0) : sort.column === "dead" ? (stats.dead_fraction[i] ?? 0) : i;
      rows.sort((a, b) => (sort.descending ? key(b) - key(a) : key(a) - key(b)));
      const head = (column: Column, label: string): HTMLElement => {
        const arrow = sort.column === column ? (sort.descending ? " ↓" : " ↑") : "";
        const th = el("th", { "data-column": column, title: "Sort" }, label + arrow);
        th.onclick = () => {
          sort = { column, descending: sort.column === column ? !sort.descending : column !== "channel" };
          draw();
        };
        return th;
      };
      table.replaceChildren(
        el(
          "thead",
          {},
          el("tr", {}, head("channel", "channel"), head("mean", "mean activation"), head("dead", "dead fraction")),
        ),
        el(
          "tbody",
          {},
          ...rows.map((i) => {
            const mean = stats.mean[i] ?? 0;
            const deadFraction = stats.dead_fraction[i] ?? 0;
            const row = el(
              "tr",
              { "data-channel": String(i) },
              el("td", {}, String(i)),
              el("td", {}, bar(Math.abs(mean) / maxMean, "mean"), formatNumber(mean)),
              el(
                "td",
                { class: deadFraction >= 0.5 ? "warn" : "" },
                bar(deadFraction, "dead"),
                formatPercent(deadFraction),
              ),
            );
            row.onclick = () => onChannel(i);
            return row;
          }),
        ),
      );
    };
    draw();
    body.replaceChildren(summary, el("div", { class: "stats-scroll" }, table));
  };

  body.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  context.api
    .channelStats(node.name)
    .then((stats) => {
      if (alive) stats === null ? ask() : show(stats);
    })
    .catch((error: unknown) => {
      if (alive) ask(error);
    });

  return {
    element,
    destroy() {
      alive = false;
    },
  };
}

function bar(fraction: number, kind: string): HTMLElement {
  return el(
    "span",
    { class: `cell-bar ${kind}` },
    el("span", { style: `width:${Math.max(0, Math.min(1, fraction)) * 100}%` }),
  );
}
