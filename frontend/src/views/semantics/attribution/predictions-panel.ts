// The current image beside its top-5 predictions (bars); a click on a class explains that one.
import { classColor } from "../../../ui/colors";
import { el, formatPercent } from "../../../ui/dom";
import type { ImagePrediction } from "../../../api/types";
import { paintOverlay } from "./heatmap";

export interface PredictionsPanel {
  readonly element: HTMLElement;
  show(prediction: ImagePrediction, image: HTMLImageElement | null, target: number): void;
}

export function createPredictionsPanel(onPick: (classIndex: number) => void): PredictionsPanel {
  const canvas = el("canvas", { class: "at-canvas", id: "attribution-image" });
  const title = el("div", { class: "at-image-title" });
  const list = el("ol", { class: "at-top5", id: "attribution-predictions" });
  const element = el(
    "section",
    { class: "at-side" },
    el("h3", { class: "at-head" }, "Image"),
    canvas,
    title,
    el("h3", { class: "at-head" }, "Predictions"),
    list,
    el("p", { class: "at-hint" }, "Click a class to explain it."),
  );
  return {
    element,
    show(prediction, image, target) {
      paintOverlay(canvas, image, null, 0, 176);
      title.replaceChildren(
        el("strong", {}, prediction.title),
        el("br"),
        "true class: ",
        el("span", { class: "at-true" }, prediction.label_name ?? "unknown"),
      );
      list.replaceChildren(
        ...prediction.top.map((score) => {
          const item = el(
            "li",
            {
              "data-class": String(score.index),
              class: [
                score.index === prediction.label ? "true-class" : "",
                score.index === target ? "is-target" : "",
              ].join(" "),
            },
            el("span", { class: "name", title: score.name }, score.name),
            el(
              "span",
              { class: "track" },
              el("span", {
                class: "bar",
                style: `width:${Math.max(1, score.probability * 100)}%;background:${classColor(score.index)}`,
              }),
            ),
            el("span", { class: "value" }, formatPercent(score.probability)),
          );
          item.onclick = () => onPick(score.index);
          return item;
        }),
      );
    },
  };
}
