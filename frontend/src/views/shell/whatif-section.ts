// The What if section: edit the current image, switch channels off, watch the model react.
// Each panel is a view of its own directory under views/whatif/.
import type { AppContext, View } from "../view";
import { createAblationView } from "../whatif/ablation/ablation-view";
import { createEditorView } from "../whatif/editor/editor-view";
import { createTabbedSection, type PanelSpec } from "./tabbed-section";

const PANELS: PanelSpec[] = [
  { id: "edit", title: "Edit input", create: createEditorView },
  { id: "ablation", title: "Ablate channels", create: createAblationView },
];

export function createWhatIfSection(context: AppContext): View {
  return createTabbedSection(context, "whatif", PANELS);
}
