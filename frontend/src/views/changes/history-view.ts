// The "History" panel: accuracy and mean loss of every checkpoint of the series, computed by one
// job (each checkpoint's evaluation cached); a click on a checkpoint shows it in every view. The
// result's key is remembered for the browser tab, so the chart is back after the page reloads on
// the newly selected checkpoint.
import { JobCancelled } from "../../state/jobs";
import { el, showError, svg } from "../../ui/dom";
import type { AppContext, View } from "../view";
import { changesApi, type History } from "./changes-api";
import { drawHistory } from "./history-chart";
import { panelHead } from "./panel-parts";

const REMEMBERED = "deepling.history-key";

export function createHistoryView(context: AppContext): View {
  const { changes } = context;
  const compute = el(
    "button",
    { id: "history-compute", class: "wc-run", title: "Evaluate every checkpoint of the series (cached)" },
    "Compute",
  );
  const status = el("div", { class: "wc-status", id: "history-status", "aria-live": "polite" });
  const chart = svg("svg", {
    id: "history-chart",
    class: "wc-history-chart",
    role: "img",
    "aria-label": "accuracy and loss by checkpoint",
  });
  const key = el(
    "div",
    { class: "wc-key" },
    el("span", { class: "wc-key-item wh-key-acc" }, el("span", { class: "wc-glyph" }), "accuracy"),
    el("span", { class: "wc-key-item wh-key-loss" }, el("span", { class: "wc-glyph" }), "mean loss"),
    el("span", { class: "wc-key-item" }, el("span", { class: "wc-glyph wh-key-a" }), "A: the selected checkpoint"),
    el("span", { class: "wc-key-item" }, el("strong", { class: "wh-key-b" }, "B"), "the one compared with"),
    el("span", { class: "muted" }, "· click a checkpoint to show it in every view"),
  );
  const box = el("div", { class: "wc-card wc-history-card" }, key, chart);
  box.hidden = true;
  const element = el(
    "div",
    { class: "wc-view", id: "history-panel" },
    panelHead(
      "How did the model learn?",
      "Accuracy and mean loss over the dataset's labelled images at each checkpoint of the series.",
      compute,
      status,
    ),
    box,
  );
  let history: History | null = null;

  const draw = (): void => {
    if (!history) return;
    const info = changes.checkpoints.get();
    drawHistory(chart, history, { selected: info.selected, compared: info.compare_checkpoint });
    box.hidden = false;
  };

  const show = (found: History): void => {
    history = found;
    sessionStorage.setItem(REMEMBERED, found.key);
    status.textContent = `${found.names.length} checkpoints`;
    draw();
  };

  chart.addEventListener("click", async (event) => {
    const target = (event.target as Element | null)?.closest("[data-checkpoint]");
    const t = Number(target?.getAttribute("data-checkpoint"));
    if (!target || !Number.isInteger(t) || t === changes.checkpoints.get().selected) return;
    status.textContent = `Switching to ${history?.names[t] ?? t}…`;
    try {
      await changes.select(t); // reloads the page
    } catch (error) {
      showError(status, error);
    }
  });

  compute.onclick = async () => {
    compute.disabled = true;
    status.textContent = "Evaluating every checkpoint…";
    try {
      const job = await context.jobs.run("Checkpoint history", changesApi.startHistory);
      show(await changesApi.historyOf(job));
    } catch (error) {
      if (error instanceof JobCancelled) status.textContent = "Cancelled.";
      else showError(status, error);
    } finally {
      compute.disabled = false;
    }
  };

  const series = changes.checkpoints.get().series;
  if (!series) {
    compute.disabled = true;
    status.textContent =
      "This server serves one model, not a series. Start it with --weights on a folder or a glob of checkpoints (runs/epoch_*.pt).";
  } else {
    const remembered = sessionStorage.getItem(REMEMBERED);
    if (remembered) changesApi.history(remembered).then(show, () => sessionStorage.removeItem(REMEMBERED)); // gone: compute again
  }
  const unsubscribe = changes.checkpoints.subscribe(draw);
  return { element, draw: () => undefined, destroy: unsubscribe };
}
