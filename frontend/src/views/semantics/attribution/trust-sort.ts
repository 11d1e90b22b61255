// The method table's order and each method's standing in it, kept pure for tests. A column
// sorts best first: low values for the metrics where lower is more faithful, high ones for the
// others, the smallest |ρ| for the randomisation check; a second click turns it round.
import type { TrustRow, TrustTable } from "../../../api/trust";

/** A column of the table: the rank, the method, a metric (`metric:deletion`) or the randomisation. */
export type SortKey = "rank" | "method" | "randomization" | `metric:${string}`;

export interface SortState {
  key: SortKey;
  bestFirst: boolean;
}

/** The value a column sorts by; NaN where a row has none. */
export function columnValue(row: TrustRow, key: SortKey): number | string {
  if (key === "rank") return row.rank;
  if (key === "method") return row.title;
  if (key === "randomization") return Math.abs(row.randomization);
  return row.scores[key.slice("metric:".length)] ?? Number.NaN;
}

/** Whether the column's best values are its lowest ones (the method's name: A first). */
export function lowerIsBetter(table: TrustTable, key: SortKey): boolean {
  if (key.startsWith("metric:")) return table.lower_is_better[key.slice("metric:".length)] ?? true;
  return true;
}

/** The rows in the column's order; rows without a value last, ties in rank order. */
export function sortRows(table: TrustTable, { key, bestFirst }: SortState): TrustRow[] {
  const ascending = lowerIsBetter(table, key) === bestFirst;
  const sign = ascending ? 1 : -1;
  const missing = (v: number | string): boolean => typeof v === "number" && !Number.isFinite(v);
  return table.rows
    .map((row, order) => ({ row, order, value: columnValue(row, key) }))
    .sort((a, b) => {
      if (missing(a.value) || missing(b.value)) return Number(missing(a.value)) - Number(missing(b.value));
      const by =
        typeof a.value === "string" || typeof b.value === "string"
          ? String(a.value).localeCompare(String(b.value))
          : a.value - b.value;
      return by !== 0 ? sign * by : a.order - b.order;
    })
    .map(({ row }) => row);
}

/** A method's place by mean rank, 1 = best (tied means share a place), and the table's size. */
export function standing(table: TrustTable, method: string): { place: number; of: number } | null {
  const row = table.rows.find((r) => r.method === method);
  if (!row) return null;
  return { place: 1 + table.rows.filter((r) => r.rank < row.rank).length, of: table.rows.length };
}

/** The badge next to a method's attribution: "rank 2/7 · randomisation ✓", or null. */
export function trustBadge(table: TrustTable, method: string): { text: string; ok: boolean; title: string } | null {
  const place = standing(table, method);
  const row = table.rows.find((r) => r.method === method);
  if (!place || !row) return null;
  const ok = row.passes_randomization;
  return {
    text: `rank ${place.place}/${place.of} · randomisation ${ok ? "✓" : "✗"}`,
    ok,
    title:
      `Faithfulness rank ${place.place} of ${place.of} (mean rank ${row.rank.toFixed(2)} over the removal curves, ` +
      `${table.images} images); after randomising every layer its map keeps a rank correlation of ` +
      `${row.randomization.toFixed(2)} with the original (${ok ? "passes" : "fails"}; ${table.randomization_images} images).`,
  };
}
