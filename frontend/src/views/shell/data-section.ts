// The Data section: the image grid with the confusion matrix, and the layer projection, as two
// panels under one section. The projection view is built the first time it is opened.
import { createDataView } from "../data/data-view";
import { createProjectionView } from "../projection/projection-view";
import type { AppContext, View } from "../view";
import { createTabbedSection } from "./tabbed-section";

export function createDataSection(context: AppContext): View {
  let images: ReturnType<typeof createDataView> | null = null;
  return createTabbedSection(context, "data", [
    { id: "images", title: "Images", create: (c) => (images = createDataView(c)) },
    {
      id: "projection",
      title: "Layer projection",
      create: (c) => createProjectionView(c, { gridSelection: () => images?.selection() ?? null }),
    },
  ]);
}
