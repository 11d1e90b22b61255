// The per-method table: each method and control measured on a sample of the dataset, ranked by
// faithfulness; a click on a column header sorts by it, best first. The controls (model-free
// references) are greyed: a method that does not beat them explains nothing about the model.
import type { TrustRow, TrustTable } from "../../../api/trust";
import { el } from "../../../ui/dom";
import { lowerIsBetter, sortRows, standing, type SortKey, type SortState } from "./trust-sort";

const METRIC_NAMES: Record<string, string> = {
  deletion: "Deletion",
  insertion: "Insertion",
  road_morf: "ROAD MoRF",
  road_lerf: "ROAD LeRF",
  max_sensitivity: "Max-sensitivity",
};

interface Column {
  key: SortKey;
  label: string;
  title: string;
  cell(row: TrustRow, table: TrustTable): HTMLElement;
}

const number = (value: number | undefined, spread?: number): HTMLElement =>
  el(
    "td",
    {
      class: "tr-num",
      "data-value": String(value ?? ""),
      title: spread === undefined ? "" : `± ${spread.toFixed(3)} (std)`,
    },
    value === undefined ? "–" : value.toFixed(3),
  );

function columns(table: TrustTable): Column[] {
  const metrics = table.metrics.map((metric): Column => {
    const lower = table.lower_is_better[metric] ?? true;
    return {
      key: `metric:${metric}`,
      label: `${METRIC_NAMES[metric] ?? metric} ${lower ? "↓" : "↑"}`,
      title: `mean over the images; ${lower ? "lower" : "higher"} is more faithful`,
      cell: (row) => number(row.scores[metric], row.spread[metric]),
    };
  });
  return [
    {
      key: "rank",
      label: "Rank",
      title: "place by the mean of the method's ranks over the four removal curves (1 = best)",
      cell: (row, t) =>
        el(
          "td",
          { class: "tr-num", "data-value": String(row.rank), title: `mean rank ${row.rank.toFixed(2)}` },
          String(standing(t, row.method)?.place ?? "–"),
        ),
    },
    {
      key: "method",
      label: "Method",
      title: "the attribution method, or a model-free control",
      cell: (row) =>
        el(
          "td",
          { class: "tr-method", "data-value": row.title },
          row.title,
          row.control ? el("span", { class: "tr-control-tag" }, "control") : null,
        ),
    },
    ...metrics,
    {
      key: "randomization",
      label: "Randomisation ρ",
      title:
        "rank correlation with the original map after randomising every layer (mean); ✓ where it is small enough: the map depends on the weights",
      cell: (row) =>
        el(
          "td",
          {
            class: `tr-num ${row.passes_randomization ? "tr-pass" : "tr-fail"}`,
            "data-value": String(Math.abs(row.randomization)),
          },
          `${row.randomization.toFixed(2)} ${row.passes_randomization ? "✓" : "✗"}`,
        ),
    },
  ];
}

/** The table element, sorted by rank; re-sorts itself on header clicks. */
export function trustTable(table: TrustTable): HTMLTableElement {
  const cols = columns(table);
  let sort: SortState = { key: "rank", bestFirst: true };
  const body = el("tbody");
  const heads = cols.map((col) => {
    const button = el("button", { class: "tr-sort", title: `${col.title} — click to sort, best first` }, col.label);
    const th = el("th", { "data-sort": col.key, scope: "col" }, button);
    button.onclick = () => {
      sort = { key: col.key, bestFirst: sort.key === col.key ? !sort.bestFirst : true };
      render();
    };
    return th;
  });
  const render = (): void => {
    heads.forEach((th, i) => {
      const key = cols[i]?.key;
      if (key !== sort.key) th.removeAttribute("aria-sort");
      else th.setAttribute("aria-sort", lowerIsBetter(table, key) === sort.bestFirst ? "ascending" : "descending");
      th.classList.toggle("tr-sorted", key === sort.key);
      th.classList.toggle("tr-reversed", key === sort.key && !sort.bestFirst);
    });
    body.replaceChildren(
      ...sortRows(table, sort).map((row) =>
        el(
          "tr",
          { "data-method": row.method, class: row.control ? "tr-control" : "" },
          ...cols.map((col) => col.cell(row, table)),
        ),
      ),
    );
  };
  render();
  return el("table", { class: "tr-table", id: "trust-table" }, el("thead", {}, el("tr", {}, ...heads)), body);
}
