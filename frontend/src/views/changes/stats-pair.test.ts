import { describe, expect, it } from "vitest";
import type { ChannelStats } from "../../api/types";
import { pairStats, sortPairs } from "./stats-pair";

const stats = (mean: number[], dead: number[]): ChannelStats => ({
  node: "conv",
  images: 100,
  mean,
  dead_fraction: dead,
});

describe("pairStats", () => {
  it("pairs channels and counts the ones that died or came alive in A", () => {
    const a = stats([0, 2, 1], [1, 0.2, 0]);
    const b = stats([1, 2, 0], [0.1, 0.2, 0.995]);
    const pairing = pairStats(a, b);
    expect(pairing.rows.map((r) => [r.meanA, r.meanB])).toEqual([
      [0, 1],
      [2, 2],
      [1, 0],
    ]);
    expect(pairing).toMatchObject({ deadA: 1, deadB: 1, diedInA: 1, revivedInA: 1, unpaired: 0 });
  });

  it("pairs only the channels both have", () => {
    const pairing = pairStats(stats([1, 2, 3, 4], [0, 0, 0, 0]), stats([1, 2], [0, 1]));
    expect(pairing.rows).toHaveLength(2);
    expect(pairing.unpaired).toBe(2);
    expect(pairing.deadB).toBe(1);
  });
});

describe("sortPairs", () => {
  const rows = pairStats(stats([0, 5, 1], [0, 0.5, 1]), stats([1, 1, 1], [0, 0, 0])).rows;
  it("puts the largest change in mean first", () => {
    expect(sortPairs(rows, "change").map((r) => r.channel)).toEqual([1, 0, 2]);
  });
  it("puts the largest change in dead fraction first", () => {
    expect(sortPairs(rows, "dead-change").map((r) => r.channel)).toEqual([2, 1, 0]);
  });
  it("keeps channel order for the channel column", () => {
    expect(sortPairs(rows, "channel").map((r) => r.channel)).toEqual([0, 1, 2]);
  });
});
