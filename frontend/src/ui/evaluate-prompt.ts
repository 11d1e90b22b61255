// The empty state shown where a tool needs the dataset's evaluation: a line saying so and a
// button that starts (or joins) the evaluation job.
import { JobCancelled } from "../state/jobs";
import { el, showError } from "./dom";
import "./evaluate-prompt.css";

export function createEvaluatePrompt(message: string, evaluate: () => Promise<void>, className: string): HTMLElement {
  const button = el("button", { class: "evaluate-button" }, "Evaluate dataset");
  const error = el("span", { class: "evaluate-error" });
  button.onclick = async () => {
    button.disabled = true;
    button.textContent = "Evaluating…";
    error.replaceChildren();
    try {
      await evaluate();
    } catch (failure) {
      if (!(failure instanceof JobCancelled)) showError(error, failure);
    } finally {
      button.disabled = false;
      button.textContent = "Evaluate dataset";
    }
  };
  return el("div", { class: `evaluate-prompt ${className}` }, el("span", {}, message), button, error);
}
