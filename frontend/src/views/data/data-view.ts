// Temporary: replaced by the data view.
import { el } from "../../ui/dom";
import type { AppContext, View } from "../view";

export function createDataView(context: AppContext): View {
  return { element: el("div", {}, context.dataset.name), draw: () => undefined, destroy: () => undefined };
}
