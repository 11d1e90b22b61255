// Attribution for the current image (dataset or tray): what its prediction rests on, one
// overlay per method side by side, for a chosen target class, beside the top-5 predictions.
// Fast methods are computed on request; slow ones run as jobs (cached on the server).
import { imageRef, sameImage } from "../../../state/image-ref";
import type { AppState } from "../../../state/store";
import { JobCancelled } from "../../../state/jobs";
import { el, showError } from "../../../ui/dom";
import { nodeOptionText } from "../../../ui/node-names";
import type { AppContext, View } from "../../view";
import type { ImagePrediction } from "../../../api/types";
import { attributionApi, type AttributionMap, type AttributionMethods, type MapRequest } from "./attribution-api";
import "./attribution.css";
import { createMethodCard, type MethodCard } from "./method-card";
import { createPredictionsPanel } from "./predictions-panel";
import { createTrustPanel } from "./trust-panel";
import { trustBadge } from "./trust-sort";

type TargetChoice = "predicted" | "true" | number;

export function createAttributionView(context: AppContext): View {
  const { store, model, graph } = context;
  const targetSelect = el("select", { id: "attribution-target" });
  const nodeSelect = el("select", { id: "attribution-node" });
  const opacity = el("input", {
    id: "attribution-opacity",
    type: "range",
    min: "0",
    max: "1",
    step: "0.05",
    value: "0.65",
  });
  const computeAll = el("button", { id: "attribution-compute-all", class: "at-run" }, "Compute slow methods");
  const toolbar = el(
    "div",
    { class: "at-toolbar" },
    el("label", {}, "Explain ", targetSelect),
    el("label", {}, "Grad-CAM node ", nodeSelect),
    el("label", {}, "Opacity ", opacity),
    computeAll,
  );
  const grid = el("div", { class: "at-grid", id: "attribution-grid" });
  const side = createPredictionsPanel((index) => choose(index));
  const message = el("div", { class: "at-message" });
  const caption = el("p", { class: "at-caption", id: "attribution-caption" });
  const trust = createTrustPanel(context.jobs);
  const element = el(
    "div",
    { class: "at-view", id: "attribution-view" },
    toolbar,
    message,
    el("div", { class: "at-body" }, side.element, el("div", { class: "at-main" }, caption, grid, trust.element)),
  );

  let methods: AttributionMethods | null = null;
  let cards: MethodCard[] = [];
  let target: TargetChoice = "predicted";
  let node: string | null = null;
  let autoRun = false; // once the user asked for slow methods, keep computing them
  let shownFor: Pick<AppState, "image" | "tray"> | null = null;
  let prediction: ImagePrediction | null = null;
  let image: HTMLImageElement | null = null;
  let generation = 0;
  const maps = new Map<string, AttributionMap>(); // by request key: flipping back is instant
  const nodeInfo = new Map(graph.nodes.map((n) => [n.name, n]));
  const classes = model.classes;

  const keyOf = (body: MapRequest): string => JSON.stringify(body);
  const resolvedTarget = (): number => {
    const predicted = prediction?.top[0]?.index ?? 0;
    if (target === "predicted") return predicted;
    if (target === "true") return prediction && prediction.label >= 0 ? prediction.label : predicted;
    return target;
  };
  const requestFor = (card: MethodCard): MapRequest => ({
    image: imageRef(store.get()),
    method: card.method.name,
    target: resolvedTarget(),
    node: card.method.takes_node ? node : null,
  });
  const choose = (index: number): void => {
    target = index;
    targetSelect.value = String(index);
    void renderMaps();
  };

  const fillTargets = (): void => {
    const predicted = prediction?.top[0];
    const options = [el("option", { value: "predicted" }, `predicted class${predicted ? ` (${predicted.name})` : ""}`)];
    if (prediction && prediction.label >= 0)
      options.push(el("option", { value: "true" }, `true class (${prediction.label_name ?? prediction.label})`));
    options.push(...classes.map((name, i) => el("option", { value: String(i) }, `${i}: ${name}`)));
    targetSelect.replaceChildren(...options);
    targetSelect.value = String(target === "true" && !(prediction && prediction.label >= 0) ? "predicted" : target);
  };

  async function ensureMethods(): Promise<AttributionMethods> {
    if (methods) return methods;
    methods = await attributionApi.methods();
    const wanted = store.get().node;
    node = wanted !== null && methods.nodes.includes(wanted) ? wanted : methods.default_node;
    nodeSelect.replaceChildren(
      ...methods.nodes.map((name) => {
        const info = nodeInfo.get(name);
        return el("option", { value: name }, info ? nodeOptionText(info) : name);
      }),
    );
    if (node !== null) nodeSelect.value = node;
    nodeSelect.disabled = methods.nodes.length === 0;
    cards = methods.methods.map(createMethodCard);
    grid.replaceChildren(...cards.map((card) => card.element));
    trust.setMethods(methods.methods);
    trust.onTable((table) => {
      for (const card of cards) card.setTrust(trustBadge(table, card.method.name));
    });
    return methods;
  }

  async function runJob(card: MethodCard, body: MapRequest, mine: number): Promise<void> {
    const what = "index" in body.image ? `image #${body.image.index}` : "tray image";
    try {
      const job = await context.jobs.run(`${card.method.title} · ${what}`, () => attributionApi.start(body));
      const map = await attributionApi.result(job, body.method);
      maps.set(keyOf(body), map);
      if (mine === generation) card.show(map, image, Number(opacity.value));
    } catch (error) {
      if (error instanceof JobCancelled) {
        if (mine === generation) card.missing(image, () => void runJob(card, body, generation));
      } else if (mine === generation) card.failed(error instanceof Error ? error.message : String(error));
    }
  }

  /** Show every method's map for the current image, target and node. */
  async function renderMaps(): Promise<void> {
    const mine = ++generation;
    const slow: [MethodCard, MapRequest][] = [];
    if (prediction) {
      const explained = resolvedTarget();
      side.show(prediction, image, explained);
      const probability = prediction.top.find((score) => score.index === explained)?.probability;
      caption.replaceChildren(
        "What in ",
        el("strong", {}, prediction.title),
        " makes the model score ",
        el("strong", {}, classes[explained] ?? String(explained)),
        probability === undefined ? "" : ` (${(probability * 100).toFixed(1)}%)`,
        ": each map explains that class's logit.",
      );
      const ref = imageRef(store.get());
      trust.setSubject({
        image: ref,
        what: "index" in ref ? `image #${ref.index}` : "the tray image",
        target: explained,
        targetName: classes[explained] ?? String(explained),
        node,
        picture: image,
      });
    }
    for (const card of cards) {
      const body = requestFor(card);
      card.setNote(card.method.takes_node && body.node ? `at ${body.node}` : "");
      const known = maps.get(keyOf(body));
      if (known) {
        card.show(known, image, Number(opacity.value));
        continue;
      }
      card.loading(image);
      try {
        const map = await attributionApi.map(body);
        if (mine !== generation) return;
        if (map) {
          maps.set(keyOf(body), map);
          card.show(map, image, Number(opacity.value));
        } else {
          card.missing(image, () => void runJob(card, body, generation));
          slow.push([card, body]);
        }
      } catch (error) {
        if (mine !== generation) return;
        card.failed(error instanceof Error ? error.message : String(error));
      }
    }
    computeAll.disabled = slow.length === 0;
    if (autoRun) for (const [card, body] of slow) if (mine === generation) await runJob(card, body, mine);
  }

  async function refresh(): Promise<void> {
    const state = store.get();
    shownFor = { image: state.image, tray: state.tray };
    const mine = ++generation;
    try {
      await ensureMethods();
      const ref = imageRef(state);
      const [loaded, predicted] = await Promise.all([
        loadImage(attributionApi.imageUrl(ref)),
        attributionApi.predictions(ref, 5),
      ]);
      if (mine !== generation) return;
      image = loaded;
      prediction = predicted;
      message.replaceChildren();
      fillTargets();
      await renderMaps();
    } catch (error) {
      if (mine === generation) showError(message, error);
    }
  }

  targetSelect.onchange = () => {
    const value = targetSelect.value;
    target = value === "predicted" || value === "true" ? value : Number(value);
    void renderMaps();
  };
  nodeSelect.onchange = () => {
    node = nodeSelect.value;
    void renderMaps();
  };
  opacity.oninput = () => {
    for (const card of cards) card.repaint(image, Number(opacity.value));
  };
  computeAll.onclick = () => {
    autoRun = true;
    void renderMaps();
  };

  const visible = (): boolean => element.offsetParent !== null;
  const unsubscribe = store.subscribe((state, previous) => {
    if (!sameImage(state, previous) && visible()) void refresh();
  });
  return {
    element,
    draw() {
      if (shownFor === null || !sameImage(shownFor, store.get())) void refresh();
    },
    destroy() {
      unsubscribe();
      generation++;
      trust.destroy();
    },
  };
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("The image could not be loaded."));
    image.src = url;
  });
}
