import { describe, expect, it } from "vitest";
import type { TrustRow, TrustTable } from "../../../api/trust";
import { sortRows, standing, trustBadge } from "./trust-sort";

function row(method: string, rank: number, deletion: number, insertion: number, randomization: number): TrustRow {
  return {
    method, title: method.toUpperCase(), control: method === "random", rank, randomization,
    passes_randomization: Math.abs(randomization) < 0.5,
    scores: { deletion, insertion }, spread: { deletion: 0, insertion: 0 },
  };
} // prettier-ignore

const table: TrustTable = {
  key: "k", images: 4, randomization_images: 4, indices: [1, 2, 3, 4], csv_url: "api/trust/table/k.csv",
  metrics: ["deletion", "insertion"], lower_is_better: { deletion: true, insertion: false },
  rows: [row("occlusion", 1.5, 0.05, 0.9, 0.6), row("saliency", 2, 0.2, 0.95, 0.3), row("random", 2, 0.4, 0.7, -0.05)],
}; // prettier-ignore

const order = (key: Parameters<typeof sortRows>[1]["key"], bestFirst = true): string[] =>
  sortRows(table, { key, bestFirst }).map((r) => r.method);

describe("method table order", () => {
  it("puts the lowest area first where lower is more faithful", () => {
    expect(order("metric:deletion")).toEqual(["occlusion", "saliency", "random"]);
  });
  it("puts the highest area first where higher is more faithful", () => {
    expect(order("metric:insertion")).toEqual(["saliency", "occlusion", "random"]);
  });
  it("turns round on a second click", () => {
    expect(order("metric:insertion", false)).toEqual(["random", "occlusion", "saliency"]);
    expect(order("metric:deletion", false)).toEqual(["random", "saliency", "occlusion"]);
  });
  it("sorts the randomisation check by |ρ|, the smallest first", () => {
    expect(order("randomization")).toEqual(["random", "saliency", "occlusion"]);
  });
  it("keeps ties in rank order and sorts names A first", () => {
    expect(order("rank")).toEqual(["occlusion", "saliency", "random"]);
    expect(order("method")).toEqual(["occlusion", "random", "saliency"]);
  });
  it("puts rows without a value last, whichever the direction", () => {
    const gap = { ...table, rows: [row("a", 1, Number.NaN, 0, 0), ...table.rows] };
    expect(
      sortRows(gap, { key: "metric:deletion", bestFirst: true })
        .map((r) => r.method)
        .at(-1),
    ).toBe("a");
    expect(
      sortRows(gap, { key: "metric:deletion", bestFirst: false })
        .map((r) => r.method)
        .at(-1),
    ).toBe("a");
  });
  it("leaves the table itself as it was", () => {
    order("metric:insertion");
    expect(table.rows.map((r) => r.method)).toEqual(["occlusion", "saliency", "random"]);
  });
});

describe("standing", () => {
  it("gives tied means the same place", () => {
    expect(standing(table, "occlusion")).toEqual({ place: 1, of: 3 });
    expect(standing(table, "saliency")).toEqual({ place: 2, of: 3 });
    expect(standing(table, "random")).toEqual({ place: 2, of: 3 });
    expect(standing(table, "smoothgrad")).toBeNull();
  });
  it("words the badge with the randomisation verdict", () => {
    expect(trustBadge(table, "saliency")).toMatchObject({ text: "rank 2/3 · randomisation ✓", ok: true });
    expect(trustBadge(table, "occlusion")).toMatchObject({ text: "rank 1/3 · randomisation ✗", ok: false });
  });
});
