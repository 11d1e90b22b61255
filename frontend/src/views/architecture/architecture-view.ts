// Temporary: replaced by the architecture view.
import { el } from "../../ui/dom";
import type { AppContext, View } from "../view";

export function createArchitectureView(context: AppContext): View {
  return { element: el("div", {}, context.model.name), draw: () => undefined, destroy: () => undefined };
}
