// The Semantics section: what a channel means and what a prediction rests on. Each panel is a
// view of its own directory under views/semantics/.
import { createAttributionView } from "../semantics/attribution/attribution-view";
import { createChannelView } from "../semantics/channel/channel-view";
import { createStripView } from "../semantics/strip/strip-view";
import type { AppContext, View } from "../view";
import { createTabbedSection, type PanelSpec } from "./tabbed-section";

const PANELS: PanelSpec[] = [
  { id: "attribution", title: "Attribution", create: createAttributionView },
  { id: "channel", title: "Channel", create: createChannelView },
  { id: "strip", title: "Adversarial strip", create: createStripView },
];

export function createSemanticsSection(context: AppContext): View {
  return createTabbedSection(context, "semantics", PANELS);
}
