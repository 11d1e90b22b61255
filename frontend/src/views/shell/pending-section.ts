// Sections whose tools are not in this version yet say so plainly, with what they will hold.
import { el } from "../../ui/dom";
import type { View } from "../view";

export function createPendingSection(title: string, description: string): View {
  const element = el(
    "div",
    { class: "empty-state" },
    el("h2", {}, title),
    el("p", {}, description),
    el("p", { class: "muted" }, "Not in this version yet: the Architecture and Data sections work on the current image and dataset."),
  );
  return { element, draw: () => undefined, destroy: () => undefined };
}
