// Boots the app: loads what the server describes (cheap), builds the shell, and creates each
// section's view the first time it is shown. Nothing heavy runs on page load.
import "./styles.css";
import { ApiError, api } from "./api/client";
import { createJobRunner } from "./state/jobs";
import { Observable, SECTIONS, Store, channelCounts, mirrorToUrl, stateFromUrl, type Section } from "./state/store";
import { el, showError } from "./ui/dom";
import { createArchitectureView } from "./views/architecture/architecture-view";
import { changesApi } from "./views/changes/changes-api";
import { createChangesSection } from "./views/changes/changes-section";
import { createChangesState } from "./views/changes/changes-state";
import { createCurrentImage } from "./views/shell/current-image";
import { createDataSection } from "./views/shell/data-section";
import { createHeader } from "./views/shell/header";
import { createSemanticsSection } from "./views/shell/semantics-section";
import { createWhatIfSection } from "./views/shell/whatif-section";
import type { AppContext, EvaluationData, View, ViewFactory } from "./views/view";

const SECTION_TITLES: Record<Section, string> = {
  architecture: "Architecture",
  data: "Data",
  semantics: "Semantics",
  whatif: "What if",
  changes: "What changed",
};

const FACTORIES: Record<Section, ViewFactory> = {
  architecture: createArchitectureView,
  data: createDataSection,
  semantics: createSemanticsSection,
  whatif: createWhatIfSection,
  changes: createChangesSection,
};

async function loadEvaluation(): Promise<EvaluationData | null> {
  if (!(await api.dataset()).evaluated) return null; // nothing to load (and no 404s logged)
  try {
    const [summary, images] = await Promise.all([api.evaluation(), api.evaluationImages()]);
    return { summary, images };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null; // not evaluated yet
    throw error;
  }
}

async function boot(root: HTMLElement): Promise<void> {
  const [model, graph, dataset, checkpoints] = await Promise.all([
    api.model(),
    api.graph(),
    api.dataset(),
    changesApi.checkpoints(),
  ]);
  const counts = channelCounts(graph.nodes); // a channel in the URL must exist on its node
  const store = new Store(stateFromUrl(new URL(window.location.href), dataset.size, counts), counts);
  mirrorToUrl(store);
  const tray = el("div", { class: "job-tray" });
  const evaluation = new Observable<EvaluationData | null>(await loadEvaluation());
  const jobs = createJobRunner(api, tray);
  let evaluating: Promise<void> | null = null; // one evaluation at a time, whoever asks
  const context: AppContext = {
    api,
    model,
    graph,
    dataset,
    store,
    evaluation,
    jobs,
    evaluate() {
      evaluating ??= (async () => {
        try {
          await jobs.run("Evaluating", api.startEvaluation);
          evaluation.set(await loadEvaluation());
        } finally {
          evaluating = null;
        }
      })();
      return evaluating;
    },
    changes: createChangesState(checkpoints, jobs),
  };

  const tabs = el("nav", { class: "tabs", role: "tablist" });
  const sections = el("main", { class: "sections" });
  const views = new Map<Section, { view: View; panel: HTMLElement }>();
  const show = (section: Section): void => {
    let entry = views.get(section);
    if (!entry) {
      const panel = el("section", { class: "section", id: `section-${section}` });
      sections.append(panel);
      try {
        const view = FACTORIES[section](context);
        panel.append(view.element);
        entry = { view, panel };
      } catch (error) {
        showError(panel, error);
        entry = { view: { element: panel, draw: () => undefined, destroy: () => undefined }, panel };
      }
      views.set(section, entry);
    }
    for (const [name, other] of views) other.panel.hidden = name !== section;
    for (const tab of tabs.children)
      tab.setAttribute("aria-selected", String((tab as HTMLElement).dataset.section === section));
    entry.view.draw();
  };
  for (const section of SECTIONS) {
    const tab = el("button", { role: "tab", "data-section": section }, SECTION_TITLES[section]);
    tab.onclick = () => store.update({ section, panel: null });
    tabs.append(tab);
  }
  store.subscribe((state, previous) => {
    if (state.section !== previous.section) show(state.section);
  });

  const header = createHeader(context, tray);
  const current = createCurrentImage(context);
  const notice = graph.approximate
    ? el("div", { class: "notice" }, `Approximate graph: ${graph.reason}. Only module calls are shown, in call order.`)
    : null;
  root.replaceChildren(
    header.element,
    el("div", { class: "toolbar" }, tabs, current.element),
    ...(notice ? [notice] : []),
    sections,
  );
  show(store.get().section);
}

const root = document.getElementById("app");
if (root) {
  boot(root).catch((error: unknown) => showError(root, error));
}
