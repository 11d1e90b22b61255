// The "Inside" panel: where A and B differ inside the network. Linear CKA between every layer of
// A and every layer of B (a job), how far each layer's weights moved (cheap: read at once, for
// two models of one architecture), and one node's feature maps for the current image and its channel
// statistics over the data under both.
import { JobCancelled } from "../../state/jobs";
import { el, showError } from "../../ui/dom";
import type { AppContext, View } from "../view";
import { changesApi } from "./changes-api";
import { createCkaHeatmap } from "./cka-heatmap";
import { modelsLine, noCompareText, panelHead } from "./panel-parts";
import { createSideMaps } from "./side-maps";
import { createStatsPair } from "./stats-pair-view";
import { createWeightChangeBars } from "./weight-change-bars";

export function createInsideView(context: AppContext): View {
  const { changes } = context;
  const run = el(
    "button",
    {
      id: "cka-run",
      class: "wc-run",
      title: "Linear CKA between every layer of A and every layer of B, on up to 2,000 images",
    },
    "Compute CKA",
  );
  const status = el("div", { class: "wc-status", id: "inside-status", "aria-live": "polite" });
  const models = el("div", {});
  const cka = el("div", { class: "wc-cka-box" }, el("p", { class: "muted" }, "Not computed yet."));
  const weights = el("div", { class: "wc-weights-box" });
  const stats = createStatsPair(context);
  const maps = createSideMaps(context, stats.show);
  const element = el(
    "div",
    { class: "wc-view", id: "inside-panel" },
    panelHead(
      "What changed inside?",
      "How similar A's and B's representations are layer by layer, how far each layer's weights moved, and one node's feature maps under both.",
      run,
      status,
    ),
    models,
    el(
      "div",
      { class: "wc-inside-grid" },
      el(
        "section",
        { class: "wc-card" },
        el("h3", {}, "Representation similarity (linear CKA)"),
        el("p", { class: "muted" }, "1: the same representation up to rotation and scale; 0: unrelated."),
        cka,
      ),
      el(
        "section",
        { class: "wc-card" },
        el("h3", {}, "Weight change per layer"),
        el("p", { class: "muted" }, "‖θB − θA‖ / ‖θA‖ of each layer's own parameters."),
        weights,
      ),
      el("section", { class: "wc-card wc-card-wide" }, el("h3", {}, "Feature maps, A and B"), maps.element),
      el(
        "section",
        { class: "wc-card wc-card-wide" },
        el("h3", {}, "Channel statistics, A and B"),
        el("p", { class: "muted" }, "The node of the feature maps above, over the whole dataset."),
        stats.element,
      ),
    ),
  );
  let generation = 0;

  const loadWeights = async (): Promise<void> => {
    const mine = generation;
    if (changes.checkpoints.get().compare === null) {
      weights.replaceChildren(el("p", { class: "muted" }, "No model to compare with."));
      return;
    }
    weights.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    try {
      const change = await changesApi.weightChange();
      if (mine === generation) weights.replaceChildren(createWeightChangeBars(change));
    } catch (error) {
      if (mine === generation) showError(weights, error);
    }
  };

  const sync = (): void => {
    const info = changes.checkpoints.get();
    models.replaceChildren(modelsLine(info));
    run.disabled = info.compare === null;
    status.textContent = info.compare === null ? noCompareText(info) : "";
  };

  run.onclick = async () => {
    const mine = generation;
    run.disabled = true;
    status.textContent = "Computing CKA…";
    try {
      const job = await context.jobs.run("CKA between A and B", changesApi.startCka);
      const found = await changesApi.ckaOf(job);
      if (mine !== generation) return;
      cka.replaceChildren(createCkaHeatmap(found));
      status.textContent = `${found.nodes_a.length} × ${found.nodes_b.length} layers on ${found.images.toLocaleString()} images`;
    } catch (error) {
      if (error instanceof JobCancelled) status.textContent = "Cancelled.";
      else showError(status, error);
    } finally {
      run.disabled = changes.checkpoints.get().compare === null;
    }
  };

  const unsubscribe = changes.checkpoints.subscribe((next, previous) => {
    if (next.compare === previous.compare && next.compare_checkpoint === previous.compare_checkpoint) return;
    generation++;
    cka.replaceChildren(el("p", { class: "muted" }, "Not computed yet."));
    sync();
    void loadWeights();
    maps.refresh();
  });
  sync();
  void loadWeights();
  return {
    element,
    draw: () => undefined,
    destroy() {
      unsubscribe();
      maps.destroy();
      stats.destroy();
    },
  };
}
