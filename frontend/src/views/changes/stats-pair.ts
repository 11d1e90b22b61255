// One node's channel statistics under A and B, paired channel by channel: how each channel's mean
// activation and dead fraction moved from B to A, and the counts of dead channels under each.
import type { ChannelStats } from "../../api/types";

export interface ChannelPair {
  channel: number;
  meanA: number;
  meanB: number;
  deadA: number;
  deadB: number;
}

export interface StatsPairing {
  rows: ChannelPair[];
  /** Channels that never fire (on at least 99% of images) under A and under B. */
  deadA: number;
  deadB: number;
  /** Channels that fire under one model and never under the other. */
  diedInA: number;
  revivedInA: number;
  /** Channels only one of the models has (different architectures): not paired. */
  unpaired: number;
}

/** A channel "never fires" when it is silent on at least this fraction of the images. */
export const NEVER_FIRES = 0.99;

export type PairColumn = "channel" | "change" | "dead-change";

/** The channels both models have, paired; `channel` and the counts use A's numbering. */
export function pairStats(a: ChannelStats, b: ChannelStats): StatsPairing {
  const count = Math.min(a.mean.length, b.mean.length);
  const rows: ChannelPair[] = [];
  let diedInA = 0;
  let revivedInA = 0;
  for (let channel = 0; channel < count; channel++) {
    const row = {
      channel,
      meanA: a.mean[channel] ?? 0,
      meanB: b.mean[channel] ?? 0,
      deadA: a.dead_fraction[channel] ?? 0,
      deadB: b.dead_fraction[channel] ?? 0,
    };
    if (row.deadA >= NEVER_FIRES && row.deadB < NEVER_FIRES) diedInA++;
    if (row.deadB >= NEVER_FIRES && row.deadA < NEVER_FIRES) revivedInA++;
    rows.push(row);
  }
  const dead = (stats: ChannelStats): number => stats.dead_fraction.filter((d) => d >= NEVER_FIRES).length;
  return {
    rows,
    deadA: dead(a),
    deadB: dead(b),
    diedInA,
    revivedInA,
    unpaired: Math.abs(a.mean.length - b.mean.length),
  };
}

/** The rows ordered by a column: by channel ascending, or by the size of a change, largest first. */
export function sortPairs(rows: readonly ChannelPair[], column: PairColumn): ChannelPair[] {
  const key = (row: ChannelPair): number =>
    column === "channel"
      ? -row.channel
      : column === "change"
        ? Math.abs(row.meanA - row.meanB)
        : Math.abs(row.deadA - row.deadB);
  return [...rows].sort((x, y) => key(y) - key(x) || x.channel - y.channel);
}
