// The What changed section: training dynamics and the comparison of two models, as four panels
// (each a view of this directory): the history of the series, the training animation, what
// changed in the data (A against B) and what changed inside the network.
import { createTabbedSection, type PanelSpec } from "../shell/tabbed-section";
import type { AppContext, View } from "../view";
import { createAnimationView } from "./animation-view";
import "./changes.css";
import { createComparisonView } from "./comparison-view";
import { createHistoryView } from "./history-view";
import { createInsideView } from "./inside-view";

const PANELS: PanelSpec[] = [
  { id: "history", title: "History", create: createHistoryView },
  { id: "animation", title: "Training animation", create: createAnimationView },
  { id: "comparison", title: "Comparison A vs B", create: createComparisonView },
  { id: "inside", title: "Inside", create: createInsideView },
];

export function createChangesSection(context: AppContext): View {
  return createTabbedSection(context, "changes", PANELS);
}
