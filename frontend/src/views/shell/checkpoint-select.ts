// The header's model choice: which checkpoint of the series every view shows (a switch reloads
// the page on the new model, the URL keeping the state), and what it is compared with in the
// What changed section (none, another checkpoint, or the model given with --compare).
import { el, showError } from "../../ui/dom";
import "./checkpoint-select.css";
import { compareChoice, compareOptions, compareValue, hasChoice } from "../changes/compare-options";
import type { CheckpointsInfo } from "../changes/changes-api";
import type { AppContext, View } from "../view";

export function createCheckpointSelect(context: AppContext): View {
  const { changes } = context;
  const checkpoint = el("select", { id: "checkpoint-select", title: "The checkpoint every view shows (A)" });
  const compare = el("select", { id: "compare-select", title: "The model A is compared with (B), in What changed" });
  const error = el("span", { class: "header-error" });
  const checkpointField = el("label", { class: "header-field", for: "checkpoint-select" }, "checkpoint", checkpoint);
  const compareField = el("label", { class: "header-field", for: "compare-select" }, "compare with", compare);
  const element = el("span", { class: "checkpoint-choice" }, checkpointField, compareField, error);

  const show = (info: CheckpointsInfo): void => {
    checkpoint.replaceChildren(
      ...info.checkpoints.map((name, i) =>
        el("option", { value: String(i), title: `checkpoint ${i + 1} of ${info.checkpoints.length}` }, name),
      ),
    );
    checkpoint.value = String(info.selected);
    compare.replaceChildren(...compareOptions(info).map((o) => el("option", { value: o.value }, o.text)));
    compare.value = compareValue(info);
    checkpointField.hidden = !info.series;
    compareField.hidden = !hasChoice(info);
    element.hidden = checkpointField.hidden && compareField.hidden;
  };

  checkpoint.onchange = async () => {
    checkpoint.disabled = true;
    error.replaceChildren();
    try {
      await changes.select(Number(checkpoint.value)); // reloads the page
    } catch (failure) {
      showError(error, failure);
      show(changes.checkpoints.get());
      checkpoint.disabled = false;
    }
  };
  compare.onchange = async () => {
    const choice = compareChoice(compare.value);
    if (!choice) return;
    compare.disabled = true;
    error.replaceChildren();
    try {
      await changes.setCompare(choice);
    } catch (failure) {
      showError(error, failure);
      show(changes.checkpoints.get());
    } finally {
      compare.disabled = false;
    }
  };

  const unsubscribe = changes.checkpoints.subscribe(show);
  show(changes.checkpoints.get());
  return { element, draw: () => undefined, destroy: unsubscribe };
}
