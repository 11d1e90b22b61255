// The card beside a hovered tray point: the tray image enlarged, its name, true class, the dataset
// image it was made from and the model's top-3 for it. It is built from the shared card parts
// (ui/hover-card-parts.ts) so that dataset and tray points read alike.
import type { Api } from "../../api/client";
import type { ImagePrediction } from "../../api/types";
import { el } from "../../ui/dom";
import { cardLine, cardSkeleton, placeBeside, topRows } from "../../ui/hover-card-parts";
import type { TrayPoint } from "./projection-api";

const TOP = 3;

export interface TrayCard {
  readonly element: HTMLElement;
  /** Show `point` beside `anchor`, or hide (null). */
  hover(point: TrayPoint | null, anchor: HTMLElement | null): void;
  destroy(): void;
}

export function createTrayCard(o: { api: Api; trueClasses: readonly string[]; nativeSize: number }): TrayCard {
  const { element, image, title, facts, top, scale } = cardSkeleton(
    "projection-tray-card",
    "pj-tray-card",
    o.nativeSize,
  );
  const cache = new Map<string, ImagePrediction>();
  let shown: string | null = null;

  const showTop = (prediction: ImagePrediction, label: number): void => {
    top.replaceChildren(...topRows(prediction.top, label, Math.min(TOP, prediction.top.length)));
  };

  const show = (point: TrayPoint, anchor: HTMLElement): void => {
    shown = point.id;
    image.src = o.api.imageUrl({ tray: point.id }, scale);
    title.replaceChildren(el("strong", {}, "tray: "), point.name);
    facts.replaceChildren(
      cardLine("true", point.label, point.label >= 0 ? (o.trueClasses[point.label] ?? String(point.label)) : "unknown"),
      cardLine("from", -1, point.source >= 0 ? `#${point.source}, outlined` : "an upload"),
    );
    const cached = cache.get(point.id);
    if (cached) showTop(cached, point.label);
    else top.replaceChildren(el("li", { class: "muted" }, "…"));
    element.hidden = false;
    placeBeside(element, anchor);
    if (cached) return;
    o.api.predictions({ tray: point.id }, TOP).then(
      (prediction) => {
        cache.set(point.id, prediction);
        if (shown === point.id) showTop(prediction, point.label);
      },
      (error: unknown) => {
        if (shown === point.id)
          top.replaceChildren(el("li", { class: "hc-error" }, error instanceof Error ? error.message : String(error)));
      },
    );
  };

  const hide = (): void => {
    shown = null;
    element.hidden = true;
  };

  return {
    element,
    hover(point, anchor) {
      if (point === null || anchor === null) hide();
      else if (point.id !== shown) show(point, anchor);
    },
    destroy: hide,
  };
}
