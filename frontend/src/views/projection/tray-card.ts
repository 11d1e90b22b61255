// The card beside a hovered tray point: the tray image enlarged, its name, true class, the dataset
// image it was made from and the model's top-3 for it. It borrows the Data grid's hover-card look
// (.dv-*) so that dataset and tray points read alike.
import type { Api } from "../../api/client";
import type { ImagePrediction } from "../../api/types";
import { classColor } from "../../ui/colors";
import { el, formatPercent } from "../../ui/dom";
import { projectionApi, type TrayPoint } from "./projection-api";

const IMAGE_PX = 128;
const TOP = 3;

export interface TrayCard {
  readonly element: HTMLElement;
  /** Show `point` beside `anchor`, or hide (null). */
  hover(point: TrayPoint | null, anchor: HTMLElement | null): void;
  destroy(): void;
}

const line = (key: string, value: string, swatch = -1): HTMLElement =>
  el(
    "div",
    { class: "dv-hc-line" },
    el("span", { class: "dv-hc-key" }, key),
    swatch >= 0 ? el("span", { class: "dv-swatch", style: `background:${classColor(swatch)}` }) : null,
    el("span", { class: "dv-hc-value" }, value),
  );

export function createTrayCard(o: { api: Api; trueClasses: readonly string[]; nativeSize: number }): TrayCard {
  const scale = Math.min(16, Math.max(1, Math.round(IMAGE_PX / Math.max(1, o.nativeSize))));
  const image = el("img", { class: "dv-hc-image", width: String(IMAGE_PX), height: String(IMAGE_PX), alt: "" });
  const title = el("div", { class: "dv-hc-title" });
  const facts = el("div", { class: "dv-hc-facts" });
  const top = el("ol", { class: "dv-hc-top" });
  const element = el("div", { id: "projection-tray-card", class: "dv-hover-card pj-tray-card", hidden: "", role: "tooltip" }, image, el("div", { class: "dv-hc-text" }, title, facts, top));
  const cache = new Map<string, ImagePrediction>();
  let shown: string | null = null;

  const showTop = (prediction: ImagePrediction, label: number): void => {
    top.replaceChildren(
      ...prediction.top.slice(0, TOP).map((score) =>
        el(
          "li",
          { class: score.index === label ? "true-class" : "" },
          el("span", { class: "dv-hc-name" }, score.name),
          el("span", { class: "dv-hc-track" }, el("span", { class: "dv-hc-fill", style: `width:${(score.probability * 100).toFixed(1)}%;background:${classColor(score.index)}` })),
          el("span", { class: "dv-hc-prob" }, formatPercent(score.probability)),
        ),
      ),
    );
  };

  const place = (anchor: HTMLElement): void => {
    const box = anchor.getBoundingClientRect();
    const right = box.right + 10 + element.offsetWidth <= window.innerWidth;
    const left = right ? box.right + 10 : Math.max(4, box.left - 10 - element.offsetWidth);
    const topPx = Math.min(window.innerHeight - element.offsetHeight - 4, Math.max(4, box.top + box.height / 2 - element.offsetHeight / 2));
    element.style.transform = `translate(${Math.round(left)}px,${Math.round(topPx)}px)`;
  };

  const show = (point: TrayPoint, anchor: HTMLElement): void => {
    shown = point.id;
    image.src = projectionApi.trayImageUrl(point.id, scale);
    title.replaceChildren(el("strong", {}, "tray: "), point.name);
    facts.replaceChildren(
      line("true", point.label >= 0 ? (o.trueClasses[point.label] ?? String(point.label)) : "unknown", point.label),
      line("from", point.source >= 0 ? `#${point.source}, outlined` : "an upload"),
    );
    const cached = cache.get(point.id);
    if (cached) showTop(cached, point.label);
    else top.replaceChildren(el("li", { class: "muted" }, "…"));
    element.hidden = false;
    place(anchor);
    if (cached) return;
    o.api.predictionsFor({ tray: point.id }, TOP).then(
      (prediction) => {
        cache.set(point.id, prediction);
        if (shown === point.id) showTop(prediction, point.label);
      },
      (error: unknown) => {
        if (shown === point.id) top.replaceChildren(el("li", { class: "dv-hc-error" }, error instanceof Error ? error.message : String(error)));
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
