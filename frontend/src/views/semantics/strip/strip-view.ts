// The adversarial strip of the current image (dataset or tray): the image changed step by step
// toward a target class (or the selected channel), robustly (a change that survives random
// moves: what the model would need to see) or minimally (the smallest flip), as a row of frames
// with their amplified differences (in one of four displays) and top predictions, how robust the
// change is, a chart of the class probabilities (plain and under random moves) with the flip
// marked, a player and a PNG download. The strip runs as a server job (cached there) on request.
import { imageRef, sameImage } from "../../../state/image-ref";
import { JobCancelled } from "../../../state/jobs";
import type { AppState } from "../../../state/store";
import { el, formatPercent, showError } from "../../../ui/dom";
import type { AppContext, View } from "../../view";
import { stripApi, type StripPixels, type StripRequest, type StripResult } from "./strip-api";
import { createStripChart, type StripChart } from "./strip-chart";
import { downloadStrip } from "./strip-download";
import { DIFF_MODE_LABELS, diffLegend } from "./strip-legend";
import { DIFF_MODES, type DiffMode, diffScale, paintDiff, paintFrame } from "./strip-paint";
import { robustnessLine } from "./strip-robustness";
import "./strip.css";

const AUTO = "auto";
const CHANNEL = "channel";
const BUDGET = { robust: 1, minimal: 0.5 }; // the library's defaults per mode (StripSettings)
// A robust strip stops once its root-mean-square change reaches 0.1 (StripSettings.visible):
// a smaller L-infinity budget could never hold that, and the server refuses it.
const MIN_BUDGET = { robust: 0.15, minimal: 0.05 };
const PLAY_MS = 450;

interface Shown {
  strip: StripResult;
  frames: StripPixels;
  diffs: StripPixels;
  chart: StripChart;
  columns: HTMLElement[];
  frame: number; // the one in the player
  display: { mode: DiffMode; scale: number }; // how the difference maps are painted now
}

const change = (value: number | undefined): string => (value ?? 0).toFixed(3);

export function createStripView(context: AppContext): View {
  const { store, model } = context;
  const target = el("select", { id: "strip-target" });
  const mode = el("select", { id: "strip-mode", title: "robust: a change that survives small random moves of the image; minimal: the smallest change that flips the prediction" },
    el("option", { value: "robust" }, "robust (what the model sees)"),
    el("option", { value: "minimal" }, "minimal (smallest flip)")); // prettier-ignore
  const diffMode = el("select", { id: "strip-diff-mode", title: "How the difference to the original is shown" },
    ...DIFF_MODES.map((m) => el("option", { value: m }, DIFF_MODE_LABELS[m]))); // prettier-ignore
  const frames = el("input", { id: "strip-frames", type: "number", min: "2", max: "32", value: "8" });
  const budget = el("input", {
    id: "strip-budget",
    type: "range",
    min: String(MIN_BUDGET.robust),
    max: "1",
    step: "0.05",
    value: String(BUDGET.robust),
  });
  const budgetValue = el("span", { class: "st-value" }, BUDGET.robust.toFixed(2));
  const run = el("button", { id: "strip-run", class: "primary" }, "Make strip");
  const play = el("button", { id: "strip-play", disabled: "" }, "Play");
  const download = el("button", { id: "strip-download", disabled: "" }, "Download PNG");
  const toolbar = el("div", { class: "st-toolbar" },
    el("label", {}, "Target ", target), el("label", {}, "Mode ", mode), el("label", {}, "Frames ", frames),
    el("label", { title: "The largest change allowed per pixel value (images in [0, 1])" }, "Strength ", budget, budgetValue),
    run); // prettier-ignore
  const display = el("div", { class: "st-toolbar", id: "strip-display" },
    el("label", {}, "Difference shown as ", diffMode), play, download); // prettier-ignore
  const summary = el("p", { class: "st-summary", id: "strip-summary" });
  const body = el("div", { class: "st-body" });
  const robustness = el("div", { class: "st-robustness-slot" });
  const element = el("div", { class: "st-view", id: "strip-view" }, toolbar, display, summary, robustness, body);

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
    robustness.replaceChildren();
    body.replaceChildren();
  };

  const request = (): StripRequest => {
    const state = store.get();
    const count = Math.round(Number(frames.value));
    const body: StripRequest = {
      image: imageRef(state), target: null, node: null, frames: Number.isFinite(count) ? count : 8,
      mode: mode.value === "minimal" ? "minimal" : "robust", steps: null, norm: "linf", budget: Number(budget.value),
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

  const shownMode = (): DiffMode => DIFF_MODES.find((m) => m === diffMode.value) ?? "signed";

  const column = (strip: StripResult, pixels: StripPixels, f: number): HTMLElement => {
    const image = el("canvas", { class: "st-image" });
    const diff = el("canvas", { class: "st-diff" });
    paintFrame(image, pixels, f);
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
    const delta = el("div", { class: "st-delta", title: "mean absolute change per pixel value" },
      `Δ ${change(strip.mean_change[f])}`); // prettier-ignore
    const node = el("div", { class: flips ? "st-column st-flipped" : "st-column" }, caption, delta, image, diff, list);
    node.onclick = () => select(f);
    return node;
  };

  const summarise = (strip: StripResult): string => {
    const last = strip.frames - 1;
    const t = strip.target.index;
    const targetP =
      strip.target.kind === "class" ? ` ${formatPercent(strip.probs[0]?.[t])} → ${formatPercent(strip.probs[last]?.[t])};` : ""; // prettier-ignore
    const flip = strip.flip_frame === null ? "the prediction never changes" : strip.flip_frame === 0 ? "already predicted at the start" : `flips at frame ${strip.flip_frame}`; // prettier-ignore
    return `${strip.title} → ${strip.target.name} (${strip.mode} mode):${targetP} ${flip}; ` +
      `the last frame changes ${change(strip.mean_change[last])} per pixel value on average, ` +
      `${change(strip.max_change[last])} at most (budget ${strip.budget}); frames spaced evenly in change.`; // prettier-ignore
  };

  const show = (strip: StripResult, pixels: StripPixels, diffs: StripPixels): void => {
    stop();
    const columns = Array.from({ length: strip.frames }, (_, f) => column(strip, pixels, f));
    const chart = createStripChart(strip);
    shown = {
      strip,
      frames: pixels,
      diffs,
      chart,
      columns,
      frame: strip.frames - 1,
      display: { mode: "signed", scale: 0 },
    };
    summary.textContent = summarise(strip);
    robustness.replaceChildren(robustnessLine(strip));
    const player = el("div", { class: "st-player" },
      el("canvas", { id: "strip-player-image", class: "st-big" }), el("canvas", { id: "strip-player-diff", class: "st-big" }),
      el("div", { class: "st-player-label", id: "strip-player-label" })); // prettier-ignore
    body.replaceChildren(
      el("div", { class: "st-row", id: "strip-row" }, ...columns),
      el("div", { id: "strip-legend" }),
      el("div", { class: "st-lower" }, player, chart.element),
    );
    play.disabled = download.disabled = false;
    repaint();
    select(strip.frames - 1);
  };

  /** Paints every difference map (row, player, legend) in the chosen display, from the pixels
   * already here: switching displays needs no new request. */
  const repaint = (): void => {
    if (!shown) return;
    const { frames: pixels, diffs, columns } = shown;
    const mode = shownMode();
    const scale = diffScale(diffs, mode);
    shown.display = { mode, scale };
    columns.forEach((node, f) => {
      const canvas = node.querySelector<HTMLCanvasElement>("canvas.st-diff");
      if (canvas) paintDiff(canvas, diffs, pixels, f, mode, scale);
    });
    body.querySelector("#strip-legend")?.replaceWith(diffLegend(mode, scale, diffs.shape[1]));
    const player = body.querySelector<HTMLCanvasElement>("#strip-player-diff");
    if (player) paintDiff(player, diffs, pixels, shown.frame, mode, scale);
  };

  const select = (f: number): void => {
    if (!shown) return;
    shown.frame = f;
    const { strip, display } = shown;
    const image = body.querySelector<HTMLCanvasElement>("#strip-player-image");
    const diff = body.querySelector<HTMLCanvasElement>("#strip-player-diff");
    const label = body.querySelector<HTMLElement>("#strip-player-label");
    if (image) paintFrame(image, shown.frames, f);
    if (diff) paintDiff(diff, shown.diffs, shown.frames, f, display.mode, display.scale);
    const k = strip.predictions[f] ?? 0;
    const t = strip.target.index;
    const moved = strip.target.kind === "class" ? ` · ${strip.target.name} ${formatPercent(strip.robust_probs[f]?.[t])} under random moves` : ""; // prettier-ignore
    if (label) label.textContent = `frame ${f}: ${strip.classes[k] ?? k} ${formatPercent(strip.probs[f]?.[k])}${moved}`;
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
    if (shown) downloadStrip(shown.strip, shown.frames, shown.diffs, shown.display.mode, shown.display.scale);
  };
  diffMode.onchange = repaint;
  run.onclick = () => void make();
  let budgetChosen = false; // the user moved the slider: a mode switch keeps their strength
  const showBudget = (): void => void (budgetValue.textContent = Number(budget.value).toFixed(2));
  budget.oninput = () => {
    budgetChosen = true;
    showBudget();
  };
  mode.onchange = () => {
    // Each mode's own default strength: the robust change is bounded by its stop rule, so its
    // ball is the whole pixel range; the minimal one by the ball.
    const chosen = mode.value === "minimal" ? "minimal" : "robust";
    budget.min = String(MIN_BUDGET[chosen]);
    if (!budgetChosen) budget.value = String(BUDGET[chosen]);
    else budget.value = String(Math.max(MIN_BUDGET[chosen], Number(budget.value)));
    showBudget();
  };

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
