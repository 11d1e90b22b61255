// One method's card: its title, the overlay canvas, the colour legend and its state (loading,
// not computed yet with a Compute button, or an error).
import { el } from "../../../ui/dom";
import type { AttributionMap, AttributionMethod } from "./attribution-api";
import { heatLegend, paintOverlay } from "./heatmap";

export const CANVAS_SIZE = 176;

export interface MethodCard {
  readonly element: HTMLElement;
  readonly method: AttributionMethod;
  /** The map shown now (null while loading or not computed). */
  map: AttributionMap | null;
  show(map: AttributionMap, image: HTMLImageElement | null, opacity: number): void;
  repaint(image: HTMLImageElement | null, opacity: number): void;
  loading(image: HTMLImageElement | null): void;
  missing(image: HTMLImageElement | null, compute: () => void): void;
  failed(message: string): void;
  setNote(text: string): void;
  /** The method's standing in the trust table ("rank 2/7 · randomisation ✓"), or null for none. */
  setTrust(badge: { text: string; ok: boolean; title: string } | null): void;
}

export function createMethodCard(method: AttributionMethod): MethodCard {
  const canvas = el("canvas", { class: "at-canvas", "data-method": method.name });
  const note = el("span", { class: "at-note" });
  const status = el("div", { class: "at-status" });
  const element = el(
    "figure",
    { class: "at-card", "data-method": method.name, "aria-busy": "false" },
    el("figcaption", {}, el("strong", {}, method.title), note),
    el("div", { class: "at-canvas-box" }, canvas, status),
    el("p", { class: "at-description" }, method.description),
  );
  const legendSlot = el("div", { class: "at-legend-slot" });
  element.insertBefore(legendSlot, element.lastChild);
  const trustSlot = el("div", { class: "trust-badge-slot" });
  element.insertBefore(trustSlot, element.lastChild);

  const card: MethodCard = {
    element,
    method,
    map: null,
    show(map, image, opacity) {
      card.map = map;
      element.setAttribute("aria-busy", "false");
      status.replaceChildren();
      legendSlot.replaceChildren(heatLegend(map));
      paintOverlay(canvas, image, map, opacity, CANVAS_SIZE);
    },
    repaint(image, opacity) {
      if (card.map) paintOverlay(canvas, image, card.map, opacity, CANVAS_SIZE);
    },
    loading(image) {
      card.map = null;
      element.setAttribute("aria-busy", "true"); // a screen reader waits for the map
      legendSlot.replaceChildren();
      paintOverlay(canvas, image, null, 0, CANVAS_SIZE);
      status.replaceChildren(el("span", { class: "at-badge" }, method.fast ? "computing…" : "loading…"));
    },
    missing(image, compute) {
      card.map = null;
      element.setAttribute("aria-busy", "false");
      legendSlot.replaceChildren();
      paintOverlay(canvas, image, null, 0, CANVAS_SIZE);
      const button = el("button", { class: "at-compute", "data-method": method.name }, "Compute");
      button.onclick = () => {
        button.disabled = true;
        compute();
      };
      status.replaceChildren(button);
    },
    failed(message) {
      card.map = null;
      element.setAttribute("aria-busy", "false");
      legendSlot.replaceChildren();
      status.replaceChildren(el("div", { class: "error", role: "alert" }, message));
    },
    setNote(text) {
      note.textContent = text;
    },
    setTrust(badge) {
      if (!badge) trustSlot.replaceChildren();
      else
        trustSlot.replaceChildren(
          el("span", { class: `trust-badge ${badge.ok ? "trust-ok" : "trust-fail"}`, title: badge.title }, badge.text),
        );
    },
  };
  return card;
}
