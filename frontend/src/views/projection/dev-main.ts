// DEV ONLY (to be deleted once the view is mounted in the Data section): boots a minimal app
// context like main.ts and shows only the projection view. `?mock=N` answers the projection
// routes in the browser with N synthetic points (to measure frame rates without the server).
import "../../styles.css";
import { api } from "../../api/client";
import { createJobRunner } from "../../state/jobs";
import { Observable, Store, stateFromUrl } from "../../state/store";
import { el, showError } from "../../ui/dom";
import type { AppContext, EvaluationData } from "../view";
import { createProjectionView } from "./projection-view";

function installMock(points: number, layerCount: number): void {
  const real = window.fetch.bind(window);
  let lastIndices: number[] = [];
  const job = { id: "mock", kind: "projection", state: "done", done: 1, total: 1, progress: 1, error: null, result_url: "api/mock-projection" };
  const names = Array.from({ length: layerCount }, (_, l) => `layer_${l}`);
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    if (url.startsWith("api/projection-layers")) return Response.json({ all: names, conv_pool: names.filter((_, i) => i % 2 === 0) });
    if (url.startsWith("api/jobs/projection")) {
      lastIndices = (JSON.parse(String(init?.body)) as { indices: number[] }).indices;
      return Response.json(job);
    }
    if (url.startsWith("api/jobs/mock")) return Response.json(job);
    if (url.startsWith("api/mock-projection")) {
      const n = lastIndices.length || points;
      const coords = new Float32Array(layerCount * n * 2);
      for (let l = 0; l < layerCount; l++) {
        const f = l / (layerCount - 1);
        for (let i = 0; i < n; i++) {
          const c = (lastIndices[i] ?? i) % 10;
          const angle = (c / 10) * Math.PI * 2 + f;
          const noise = () => (Math.sin((i + 1) * 12.9898 * (l + 1)) * 43758.5453) % 1;
          coords[(l * n + i) * 2] = 0.8 * (f * Math.cos(angle) * 0.8 + (1 - f * 0.7) * noise());
          coords[(l * n + i) * 2 + 1] = 0.8 * (f * Math.sin(angle) * 0.8 + (1 - f * 0.7) * noise() * 0.9);
        }
      }
      return new Response(coords.buffer, { headers: { "X-Shape": `${layerCount},${n},2`, "X-Nodes": names.join(",") } });
    }
    return real(input, init);
  };
}

async function boot(root: HTMLElement): Promise<void> {
  const params = new URL(window.location.href).searchParams;
  const mock = params.get("mock");
  if (mock !== null) installMock(Number(mock) || 10_000, Number(params.get("layers") ?? "20"));
  const [model, graph, dataset] = await Promise.all([api.model(), api.graph(), api.dataset()]);
  const store = new Store(stateFromUrl(new URL(window.location.href), dataset.size, new Set(graph.nodes.map((n) => n.name))));
  const tray = el("div", { class: "job-tray" });
  let evaluation: EvaluationData | null = null;
  if (dataset.evaluated) evaluation = { summary: await api.evaluation(), images: await api.evaluationImages() };
  const jobs = createJobRunner(api, tray);
  const context: AppContext = {
    api, model, graph, dataset, store, evaluation: new Observable(evaluation), jobs,
    async evaluate() {
      await jobs.run("Evaluating", api.startEvaluation);
      context.evaluation.set({ summary: await api.evaluation(), images: await api.evaluationImages() });
    },
  };
  const section = el("section", { class: "section" });
  const main = el("main", { class: "sections" }, section);
  const current = el("span", { id: "dev-current" });
  store.subscribe((state) => (current.textContent = `current image: ${state.image}`));
  root.replaceChildren(el("header", { class: "app-header" }, el("h1", {}, "Deepling"), tray, current), main);
  const view = createProjectionView(context, { gridSelection: () => Int32Array.from({ length: 300 }, (_, i) => i) });
  section.append(view.element);
  view.draw();
}

const root = document.getElementById("app");
if (root) boot(root).catch((error: unknown) => showError(root, error));
