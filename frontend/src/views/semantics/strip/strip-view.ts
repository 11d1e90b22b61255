// The adversarial strip of the current image (dataset or tray): the image changed step by step
// toward a target class (or the selected channel), as a row of frames with their amplified
// differences and top predictions, a chart of the class probabilities with the flip marked,
// a player and a PNG download. The strip runs as a server job (cached there) on request.
import { imageRef, sameImage } from "../../../state/image-ref";
import { JobCancelled } from "../../../state/jobs";
import type { AppState } from "../../../state/store";
import { el, formatPercent, showError } from "../../../ui/dom";
import type { AppContext, View } from "../../view";
import { stripApi, type StripPixels, type StripRequest, type StripResult } from "./strip-api";
import { createStripChart, type StripChart } from "./strip-chart";
import { downloadStrip } from "./strip-download";
import { amplitude, divergingLegend, paintDiff, paintFrame } from "./strip-paint";
import "./strip.css";

const AUTO = "auto";
const CHANNEL = "channel";
const PLAY_MS = 450;

interface Shown {
  strip: StripResult;
  frames: StripPixels;
  diffs: StripPixels;
  scale: number;
  chart: StripChart;
  columns: HTMLElement[];
}

export function createStripView(context: AppContext): View {
  const { store, model } = context;
  const target = el("select", { id: "strip-target" });
  const frames = el("input", { id: "strip-frames", type: "number", min: "2", max: "32", value: "8" });
  const budget = el("input", { id: "strip-budget", type: "range", min: "0.05", max: "1", step: "0.05", value: "0.5" });
  const budgetValue = el("span", { class: "st-value" }, "0.50");
  const run = el("button", { id: "strip-run", class: "primary" }, "Make strip");
  const play = el("button", { id: "strip-play", disabled: "" }, "Play");
  const download = el("button", { id: "strip-download", disabled: "" }, "Download PNG");
  const toolbar = el("div", { class: "st-toolbar" },
    el("label", {}, "Target ", target), el("label", {}, "Frames ", frames),
    el("label", { title: "The largest change allowed per pixel value (images in [0, 1])" }, "Strength ", budget, budgetValue),
    run, play, download); // prettier-ignore
  const summary = el("p", { class: "st-summary", id: "strip-summary" });
  const body = el("div", { class: "st-body" });
  const element = el("div", { class: "st-view", id: "strip-view" }, toolbar, summary, body);

  let shown: Shown | null = null;
  let shownFor: Pick<AppState, "image" | "tray"> | null = null;
  let timer: number | null = null;
  let generation = 0;

  const imageName = (state: AppState): string => (state.tray !== null ? "the tray image" : `image #${state.image}`);
  const fillTargets = (): void => {
    const { node, channel } = store.get();
    const previous = target.value;
    const options = [el("option", { value: AUTO }, "auto: predicted class if wrong, else runner-up")];
    if (node !== null && channel !== null)
      options.push(el("option", { value: CHANNEL }, `this channel: ${node} #${channel}`));
    model.classes.forEach((name, k) => options.push(el("option", { value: String(k) }, `class ${name}`)));
    target.replaceChildren(...options);
    target.value = options.some((o) => o.value === previous) ? previous : AUTO;
  };
  const prompt = (): void => {
    stop();
    shown = null;
    play.disabled = download.disabled = true;
    summary.textContent = `Make a strip for ${imageName(store.get())}: how it must change to become the target.`;
    body.replaceChildren();
  };

  const request = (): StripRequest => {
    const state = store.get();
    const count = Math.round(Number(frames.value));
    const body: StripRequest = {
      image: imageRef(state), target: null, node: null, frames: Number.isFinite(count) ? count : 8,
      steps: 64, norm: "linf", budget: Number(budget.value),
    }; // prettier-ignore
    if (target.value === CHANNEL && state.node !== null && state.channel !== null) {
      body.node = state.node;
      body.target = state.channel;
    } else if (target.value !== AUTO) body.target = Number(target.value);
    return body;
  };

  const make = async (): Promise<void> => {
    const mine = ++generation;
    const state = store.get();
    run.disabled = true;
    try {
      const job = await context.jobs.run(`Strip of ${imageName(state)}`, () => stripApi.start(request()));
      const strip = await stripApi.result(job);
      const [pixels, diffs] = await Promise.all([stripApi.frames(strip), stripApi.diffs(strip)]);
      if (mine !== generation) return;
      shownFor = { image: state.image, tray: state.tray };
      show(strip, pixels, diffs);
    } catch (error) {
      if (mine === generation && !(error instanceof JobCancelled)) showError(body, error);
    } finally {
      run.disabled = false;
    }
  };

  const column = (
    strip: StripResult,
    pixels: StripPixels,
    diffs: StripPixels,
    scale: number,
    f: number,
  ): HTMLElement => {
    const image = el("canvas", { class: "st-image" });
    const diff = el("canvas", { class: "st-diff" });
    paintFrame(image, pixels, f);
    paintDiff(diff, diffs, f, scale);
    const top = (strip.probs[f] ?? [])
      .map((p, k) => ({ p, k }))
      .sort((a, b) => b.p - a.p)
      .slice(0, 3);
    const list = el("ol", { class: "st-top" }, ...top.map(({ p, k }) =>
      el("li", { class: k === strip.target.index && strip.target.kind === "class" ? "st-is-target" : "" },
        el("span", {}, strip.classes[k] ?? String(k)), el("span", { class: "st-p" }, formatPercent(p))))); // prettier-ignore
    const flips = f === strip.flip_frame && f > 0; // at frame 0 the image already was the target
    const caption = el("div", { class: "st-caption" }, f === 0 ? "original" : `frame ${f}`,
      flips ? el("span", { class: "st-flip-tag" }, " flip") : null); // prettier-ignore
    const node = el("div", { class: flips ? "st-column st-flipped" : "st-column" }, caption, image, diff, list);
    node.onclick = () => select(f);
    return node;
  };

  const show = (strip: StripResult, pixels: StripPixels, diffs: StripPixels): void => {
    stop();
    const scale = amplitude(diffs);
    const columns = Array.from({ length: strip.frames }, (_, f) => column(strip, pixels, diffs, scale, f));
    const chart = createStripChart(strip);
    shown = { strip, frames: pixels, diffs, scale, chart, columns };
    const last = strip.frames - 1;
    const targetP =
      strip.target.kind === "class"
        ? ` ${formatPercent(strip.probs[0]?.[strip.target.index])} → ${formatPercent(strip.probs[last]?.[strip.target.index])}`
        : "";
    summary.textContent = `${strip.title} → ${strip.target.name}:${targetP}; ` +
      (strip.flip_frame === null ? "the prediction never changes" : strip.flip_frame === 0 ? "already predicted at the start" : `flips at frame ${strip.flip_frame}`) +
      `; largest change ${(strip.max_change[last] ?? 0).toFixed(3)} per pixel (budget ${strip.budget}), frames spaced evenly in change.`; // prettier-ignore
    const player = el("div", { class: "st-player" },
      el("canvas", { id: "strip-player-image", class: "st-big" }), el("canvas", { id: "strip-player-diff", class: "st-big" }),
      el("div", { class: "st-player-label", id: "strip-player-label" })); // prettier-ignore
    body.replaceChildren(
      el("div", { class: "st-row", id: "strip-row" }, ...columns),
      divergingLegend(scale),
      el("div", { class: "st-lower" }, player, chart.element),
    );
    play.disabled = download.disabled = false;
    select(last);
  };

  const select = (f: number): void => {
    if (!shown) return;
    const image = body.querySelector<HTMLCanvasElement>("#strip-player-image");
    const diff = body.querySelector<HTMLCanvasElement>("#strip-player-diff");
    const label = body.querySelector<HTMLElement>("#strip-player-label");
    if (image) paintFrame(image, shown.frames, f);
    if (diff) paintDiff(diff, shown.diffs, f, shown.scale);
    const k = shown.strip.predictions[f] ?? 0;
    if (label)
      label.textContent = `frame ${f}: ${shown.strip.classes[k] ?? k} ${formatPercent(shown.strip.probs[f]?.[k])}`;
    shown.columns.forEach((node, i) => node.classList.toggle("st-current", i === f));
    shown.chart.setCursor(f);
  };

  const stop = (): void => {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
    play.textContent = "Play";
  };
  play.onclick = () => {
    if (timer !== null || !shown) return stop();
    let f = 0;
    select(f);
    play.textContent = "Pause";
    timer = window.setInterval(() => {
      if (!shown) return stop();
      f = (f + 1) % shown.strip.frames;
      select(f);
    }, PLAY_MS);
  };
  download.onclick = () => {
    if (shown) downloadStrip(shown.strip, shown.frames, shown.diffs, shown.scale);
  };
  run.onclick = () => void make();
  budget.oninput = () => (budgetValue.textContent = Number(budget.value).toFixed(2));

  const unsubscribe = store.subscribe((state, previous) => {
    if (state.node !== previous.node || state.channel !== previous.channel) fillTargets();
    if (!sameImage(state, previous) && !(shownFor && sameImage(state, shownFor))) {
      generation++;
      shownFor = null;
      prompt();
    }
  });
  fillTargets();
  prompt();
  return {
    element,
    draw: () => undefined,
    destroy() {
      stop();
      unsubscribe();
    },
  };
}
