// The Semantics section: what a channel means and what a prediction rests on. Each panel is a
// view of its own directory under views/semantics/.
import type { AppContext, View } from "../view";
import { createTabbedSection, type PanelSpec } from "./tabbed-section";

const PANELS: PanelSpec[] = [];

export function createSemanticsSection(context: AppContext): View {
  return createTabbedSection(context, "semantics", PANELS);
}
