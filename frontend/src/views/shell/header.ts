// The header: model (and its checkpoint and the model compared with), dataset and accuracy, the
// evaluate button and the job tray.
import { JobCancelled } from "../../state/jobs";
import { el, formatPercent, showError } from "../../ui/dom";
import type { AppContext, View } from "../view";
import { createCheckpointSelect } from "./checkpoint-select";

export function createHeader(context: AppContext, tray: HTMLElement): View {
  const accuracy = el("span", { class: "pill", id: "accuracy" });
  const evaluate = el("button", { id: "evaluate", title: "Run the model over the whole dataset" }, "Evaluate dataset");
  const error = el("span", { class: "header-error" });
  const { model, dataset } = context;
  const checkpoints = createCheckpointSelect(context);
  const element = el(
    "header",
    { class: "app-header" },
    el("h1", {}, "Deepling"),
    el(
      "span",
      { class: "pill", id: "model-name", title: `${model.parameters.toLocaleString()} parameters on ${model.device}` },
      `${model.name} · ${model.input_shape.join("×")} · ${model.classes.length} classes`,
    ),
    checkpoints.element,
    el("span", { class: "pill", id: "dataset-name" }, `${dataset.name} · ${dataset.size.toLocaleString()} images`),
    accuracy,
    evaluate,
    tray,
    error,
  );

  const showAccuracy = (): void => {
    const summary = context.evaluation.get()?.summary;
    accuracy.textContent = summary
      ? `accuracy ${formatPercent(summary.accuracy, 2)} on ${summary.labelled.toLocaleString()} images`
      : dataset.labelled
        ? "accuracy: not evaluated"
        : "unlabelled dataset";
    evaluate.textContent = summary ? "Re-evaluate" : "Evaluate dataset";
  };
  const unsubscribe = context.evaluation.subscribe(showAccuracy);
  showAccuracy();
  evaluate.onclick = async () => {
    evaluate.disabled = true;
    error.replaceChildren();
    try {
      await context.evaluate();
    } catch (failure) {
      if (!(failure instanceof JobCancelled)) showError(error, failure);
    } finally {
      evaluate.disabled = false;
    }
  };
  return {
    element,
    draw: () => undefined,
    destroy() {
      unsubscribe();
      checkpoints.destroy();
    },
  };
}
