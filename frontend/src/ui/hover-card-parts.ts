// The pieces of an image hover card (.hover-card): its skeleton, a labelled line, the top-k
// probability rows and its placement beside the hovered element. The Data grid's card and the
// projection's tray card are built from them, so dataset and tray images read alike.
import type { ClassScore } from "../api/types";
import { classColor } from "./colors";
import { el, formatPercent, hideWhenUnreadable } from "./dom";
import "./hover-card.css";

const IMAGE_PX = 128;

export interface CardSkeleton {
  readonly element: HTMLElement;
  readonly image: HTMLImageElement;
  readonly title: HTMLElement;
  readonly facts: HTMLElement;
  readonly top: HTMLOListElement;
  /** The server-side enlargement that makes an input of `nativeSize` px about IMAGE_PX wide. */
  readonly scale: number;
}

export function cardSkeleton(id: string, extraClass: string, nativeSize: number): CardSkeleton {
  const scale = Math.min(16, Math.max(1, Math.round(IMAGE_PX / Math.max(1, nativeSize))));
  const image = el("img", { class: "hc-image", width: String(IMAGE_PX), height: String(IMAGE_PX), alt: "" });
  hideWhenUnreadable(image);
  const title = el("div", { class: "hc-title" });
  const facts = el("div", { class: "hc-facts" });
  const top = el("ol", { class: "hc-top" });
  const classes = extraClass ? `hover-card ${extraClass}` : "hover-card";
  const element = el(
    "div",
    { id, class: classes, hidden: "", role: "tooltip" },
    image,
    el("div", { class: "hc-text" }, title, facts, top),
  );
  return { element, image, title, facts, top, scale };
}

/** A `key: value` line, with the class's colour swatch when `classIndex` >= 0 (`color`: the
 * palette of the view the card belongs to). */
export function cardLine(key: string, classIndex: number, value: string, extra = "", color = classColor): HTMLElement {
  return el(
    "div",
    { class: "hc-line" },
    el("span", { class: "hc-key" }, key),
    classIndex >= 0 ? el("span", { class: "swatch", style: `background:${color(classIndex)}` }) : null,
    el("span", { class: "hc-value" }, value),
    extra ? el("span", { class: "hc-extra" }, extra) : null,
  );
}

/** `count` probability rows; rows without a score yet are placeholders of the same height. */
export function topRows(
  scores: readonly ClassScore[] | null,
  trueLabel: number,
  count: number,
  color = classColor,
): HTMLElement[] {
  const rows = [];
  for (let i = 0; i < count; i++) {
    const score = scores?.[i];
    rows.push(
      el(
        "li",
        { class: score && score.index === trueLabel ? "true-class" : "" },
        el("span", { class: "hc-name" }, score ? score.name : "…"),
        el(
          "span",
          { class: "hc-track" },
          score
            ? el("span", {
                class: "hc-fill",
                style: `width:${(score.probability * 100).toFixed(1)}%;background:${color(score.index)}`,
              })
            : null,
        ),
        el("span", { class: "hc-prob" }, score ? formatPercent(score.probability) : ""),
      ),
    );
  }
  return rows;
}

/** Puts `card` beside `anchor`: to its right if it fits, else to its left, kept on screen. */
export function placeBeside(card: HTMLElement, anchor: HTMLElement): void {
  const box = anchor.getBoundingClientRect();
  const width = card.offsetWidth;
  const height = card.offsetHeight;
  const right = box.right + 10 + width <= window.innerWidth;
  const left = right ? box.right + 10 : Math.max(4, box.left - 10 - width);
  const topPx = Math.min(window.innerHeight - height - 4, Math.max(4, box.top + box.height / 2 - height / 2));
  card.style.transform = `translate(${Math.round(left)}px,${Math.round(topPx)}px)`;
}
