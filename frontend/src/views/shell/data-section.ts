// The Data section: the image grid with the confusion matrix, and the layer projection, as two
// panels under one section. The projection view is built the first time it is opened.
import { el } from "../../ui/dom";
import { createDataView } from "../data/data-view";
import { createProjectionView } from "../projection/projection-view";
import type { AppContext, View } from "../view";

type Panel = "images" | "projection";

export function createDataSection(context: AppContext): View {
  const images = createDataView(context);
  let projection: View | null = null;
  const body = el("div", { class: "subsection-body" }, images.element);
  const buttons = new Map<Panel, HTMLButtonElement>();
  const bar = el("div", { class: "subtabs", role: "tablist" });
  let current: Panel = new URL(window.location.href).searchParams.get("panel") === "projection" ? "projection" : "images";

  const show = (panel: Panel): void => {
    current = panel;
    if (panel === "projection" && !projection) {
      projection = createProjectionView(context, { gridSelection: () => images.selection() });
      body.append(projection.element);
    }
    images.element.hidden = panel !== "images";
    if (projection) projection.element.hidden = panel !== "projection";
    for (const [name, button] of buttons) button.setAttribute("aria-selected", String(name === panel));
    const url = new URL(window.location.href);
    if (panel === "images") url.searchParams.delete("panel");
    else url.searchParams.set("panel", panel);
    window.history.replaceState(null, "", url);
    (panel === "images" ? images : projection)?.draw();
  };
  for (const [panel, title] of [["images", "Images"], ["projection", "Layer projection"]] as const) {
    const button = el("button", { role: "tab", "data-panel": panel }, title);
    button.onclick = () => show(panel);
    buttons.set(panel, button);
    bar.append(button);
  }
  const element = el("div", { class: "data-section" }, bar, body);
  return {
    element,
    draw: () => show(current),
    destroy() {
      images.destroy();
      projection?.destroy();
    },
  };
}
