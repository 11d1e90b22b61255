// One channel's statistics over the dataset (mean activation, how often it is silent) and its
// rank among the node's channels, from the channel-statistics job of the architecture view.
import type { ChannelStats } from "../../../api/types";
import { JobCancelled } from "../../../state/jobs";
import { formatNumber } from "../../../ui/colors";
import { el, formatPercent, showError } from "../../../ui/dom";
import type { AppContext } from "../../view";

export interface StatsCard {
  readonly element: HTMLElement;
  show(node: string, channel: number): void;
}

export function createChannelStatsCard(context: AppContext): StatsCard {
  const body = el("div", { class: "ch-stats-body" });
  const element = el(
    "section",
    { class: "ch-card", id: "channel-stat" },
    el("div", { class: "ch-card-head" }, el("h3", {}, "Statistics")),
    body,
  );
  let request = 0;
  let cached: { node: string; stats: ChannelStats } | null = null;

  const draw = (stats: ChannelStats, channel: number): void => {
    const mean = stats.mean[channel] ?? 0;
    const dead = stats.dead_fraction[channel] ?? 0;
    const rank = stats.mean.filter((m) => m > mean).length + 1;
    body.replaceChildren(
      el(
        "dl",
        { class: "kv" },
        el("dt", {}, "mean activation"),
        el("dd", {}, formatNumber(mean)),
        el("dt", {}, "rank by mean"),
        el("dd", {}, `${rank} of ${stats.mean.length}`),
        el("dt", {}, "silent on"),
        el(
          "dd",
          { class: dead >= 0.5 ? "warn" : "" },
          `${formatPercent(dead)} of ${stats.images.toLocaleString()} images`,
        ),
      ),
    );
  };

  const ask = (node: string, channel: number, error?: unknown): void => {
    const button = el("button", { id: "channel-stat-button" }, "Channel statistics");
    button.onclick = async () => {
      button.disabled = true;
      try {
        await context.jobs.run("Channel statistics", () => context.api.startChannelStats(node));
        void load(node, channel);
      } catch (e) {
        ask(node, channel, e instanceof JobCancelled ? undefined : e);
      }
    };
    body.replaceChildren(
      el(
        "p",
        { class: "muted small" },
        "Mean activation and silent fraction over the dataset (one pass, cached; shared with the architecture view).",
      ),
      button,
    );
    if (error !== undefined) {
      const message = el("div");
      showError(message, error);
      body.prepend(message);
    }
  };

  const load = async (node: string, channel: number): Promise<void> => {
    const mine = ++request;
    try {
      const stats = cached?.node === node ? cached.stats : await context.api.channelStats(node);
      if (mine !== request) return;
      if (stats === null) {
        ask(node, channel);
        return;
      }
      cached = { node, stats };
      draw(stats, channel);
    } catch (error) {
      if (mine === request) showError(body, error);
    }
  };

  return { element, show: (node, channel) => void load(node, channel) };
}
