// The card shown beside a hovered thumbnail: the image enlarged, its true and predicted labels and
// the top-3 probabilities. It waits ~100 ms of rest before asking the server, only for the image
// still under the pointer, and keeps a fixed size so nothing jumps while it fills in.
import type { Api } from "../api/client";
import type { EvaluationImages, EvaluationSummary, ImagePrediction } from "../api/types";
import { el, formatPercent } from "./dom";
import { cardLine, cardSkeleton, placeBeside, topRows } from "./hover-card-parts";

const DELAY_MS = 100;
const TOP = 3;
const CACHE_LIMIT = 300;

/** What the card reads of the dataset evaluation (the app's EvaluationData). */
export interface CardEvaluation {
  summary: Pick<EvaluationSummary, "classes">;
  images: Pick<EvaluationImages, "predictions" | "confidence" | "loss">;
}

export interface HoverCardOptions {
  api: Api;
  trueClasses: readonly string[];
  /** Largest edge of the model input, to pick the enlargement of the image. */
  nativeSize: number;
  labels(): Int32Array | null;
  evaluation(): CardEvaluation | null;
  /** Class colours, where the view's differ from the shared palette (a two-class projection). */
  classColor?: (index: number) => string;
}

export interface HoverCard {
  readonly element: HTMLElement;
  /** Hover image `index` shown by `cell`, or nothing (null). */
  hover(index: number | null, cell: HTMLElement | null): void;
  destroy(): void;
}

const formatLoss = (loss: number): string => (loss !== 0 && loss < 0.001 ? loss.toExponential(1) : loss.toFixed(3));

export function createHoverCard(o: HoverCardOptions): HoverCard {
  const { element, image, title, facts, top, scale } = cardSkeleton("hover-card", "", o.nativeSize);
  const cache = new Map<number, ImagePrediction>();
  let timer: number | undefined;
  let shown: number | null = null;
  let request = 0;

  const showTop = (prediction: ImagePrediction | null, trueLabel: number): void => {
    top.replaceChildren(...topRows(prediction?.top ?? null, trueLabel, TOP, o.classColor));
  };

  const show = (index: number, cell: HTMLElement): void => {
    shown = index;
    const labels = o.labels();
    const trueLabel = labels ? (labels[index] ?? -1) : -1;
    const evaluation = o.evaluation();
    image.src = o.api.imageUrl({ index }, scale);
    title.replaceChildren(el("strong", {}, `#${index}`));
    const lines = [
      cardLine(
        "true",
        trueLabel,
        trueLabel >= 0 ? (o.trueClasses[trueLabel] ?? String(trueLabel)) : labels ? "unlabelled" : "…",
        "",
        o.classColor,
      ),
    ];
    if (evaluation) {
      const p = evaluation.images.predictions[index] ?? -1;
      const confidence = evaluation.images.confidence[index] ?? null;
      const loss = evaluation.images.loss[index] ?? null;
      const name = evaluation.summary.classes[p] ?? String(p);
      lines.push(cardLine("predicted", p, name, formatPercent(confidence), o.classColor));
      if (trueLabel >= 0)
        title.append(
          el("span", { class: p === trueLabel ? "hc-right" : "hc-wrong" }, p === trueLabel ? " right" : " wrong"),
        );
      lines.push(
        el(
          "div",
          { class: "hc-line" },
          el("span", { class: "hc-key" }, "loss"),
          el("span", { class: "hc-value" }, loss === null ? "–" : formatLoss(loss)),
        ),
      );
    } else {
      lines.push(el("div", { class: "hc-line muted" }, "not evaluated yet"));
    }
    facts.replaceChildren(...lines);
    const cached = cache.get(index);
    showTop(cached ?? null, trueLabel);
    element.hidden = false;
    placeBeside(element, cell);
    if (cached) return;
    const mine = ++request;
    o.api.predictions({ index }, TOP).then(
      (prediction) => {
        if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value ?? -1);
        cache.set(index, prediction);
        if (mine === request && shown === index) showTop(prediction, trueLabel);
      },
      (error: unknown) => {
        if (mine === request && shown === index)
          top.replaceChildren(el("li", { class: "hc-error" }, error instanceof Error ? error.message : String(error)));
      },
    );
  };

  const hide = (): void => {
    window.clearTimeout(timer);
    shown = null;
    request++;
    element.hidden = true;
  };

  return {
    element,
    hover(index, cell) {
      window.clearTimeout(timer);
      if (index === null || cell === null) {
        hide();
        return;
      }
      if (index === shown) return;
      timer = window.setTimeout(() => {
        if (cell.isConnected && cell.dataset.index === String(index)) show(index, cell);
      }, DELAY_MS);
    },
    destroy: hide,
  };
}
