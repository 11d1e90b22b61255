// A section made of panels under a row of sub-tabs (Data: Images | Layer projection; Semantics;
// What if). The store's `panel` names the open one, so any view can open a panel of any section
// with `store.update({ section, panel })`. Each panel's view is built the first time it opens.
import { el } from "../../ui/dom";
import type { Section } from "../../state/store";
import type { AppContext, View } from "../view";

export interface PanelSpec {
  id: string;
  title: string;
  create(context: AppContext): View;
}

export function createTabbedSection(context: AppContext, section: Section, panels: readonly PanelSpec[]): View {
  const built = new Map<string, View>();
  const buttons = new Map<string, HTMLButtonElement>();
  const bar = el("div", { class: "subtabs", role: "tablist" });
  const body = el("div", { class: "subsection-body" });
  const element = el("div", { class: `tabbed-section ${section}-section` }, bar, body);
  const first = panels[0]?.id ?? "";
  const openPanel = (): string => {
    const wanted = context.store.get().panel;
    return panels.some((p) => p.id === wanted) ? (wanted as string) : first;
  };

  const show = (id: string): void => {
    const spec = panels.find((p) => p.id === id);
    if (!spec) return;
    let view = built.get(id);
    if (!view) {
      view = spec.create(context);
      built.set(id, view);
      body.append(view.element);
    }
    for (const [name, other] of built) other.element.hidden = name !== id;
    for (const [name, button] of buttons) button.setAttribute("aria-selected", String(name === id));
    view.draw();
  };
  for (const spec of panels) {
    const button = el("button", { role: "tab", "data-panel": spec.id }, spec.title);
    button.onclick = () => context.store.update({ panel: spec.id === first ? null : spec.id });
    buttons.set(spec.id, button);
    bar.append(button);
  }
  const unsubscribe = context.store.subscribe((state, previous) => {
    if (state.section === section && (state.panel !== previous.panel || state.section !== previous.section))
      show(openPanel());
  });
  return {
    element,
    draw: () => show(openPanel()),
    destroy() {
      unsubscribe();
      for (const view of built.values()) view.destroy();
    },
  };
}
