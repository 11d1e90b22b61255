// How the points are drawn, over the scatter's top-left corner: their size (a factor of the size
// their number gives), their opacity (by default from their density, so that a million points
// read as densities and a handful as solid dots: density.ts; the slider overrides it, "auto"
// returns to it), and whether a moving frame may leave points out to keep the animation smooth
// on a slow renderer (frame-budget.ts).
import { el } from "../../ui/dom";
import type { PointStyle } from "./scatter";

export interface PointsControl {
  readonly element: HTMLElement;
  style(): PointStyle;
  /** The opacity drawn now (the automatic one while the user has not chosen one). */
  showOpacity(opacity: number): void;
}

const percent = (value: number): string => `${Math.round(value * 100)}%`;
/** The opacity slider is logarithmic: 1% to 100% over 0..100. */
const fromSlider = (value: number): number => 0.01 * 100 ** (value / 100);
const toSlider = (opacity: number): number => (100 * Math.log(Math.max(0.01, opacity) / 0.01)) / Math.log(100);

export function createPointsControl(onChange: (style: PointStyle) => void): PointsControl {
  const size = el("input", {
    id: "projection-point-size",
    type: "range",
    min: "0.5",
    max: "4",
    step: "0.25",
    value: "1",
    "aria-label": "point size (a factor of the size for this many points)",
  });
  const sizeText = el("span", { class: "pj-points-value" }, "1×");
  const opacity = el("input", {
    id: "projection-opacity",
    type: "range",
    min: "0",
    max: "100",
    step: "1",
    value: "100",
    "aria-label": "point opacity",
  });
  const opacityText = el("span", { class: "pj-points-value", id: "projection-opacity-value" }, "auto");
  const auto = el("input", { id: "projection-opacity-auto", type: "checkbox" });
  auto.checked = true;
  const thin = el("input", { id: "projection-thin", type: "checkbox" });
  thin.checked = true;
  let shown = 1;

  const style = (): PointStyle => ({
    scale: Number(size.value),
    opacity: auto.checked ? null : fromSlider(Number(opacity.value)),
    thin: thin.checked,
  });
  const sync = (): void => {
    sizeText.textContent = `${Number(size.value)}×`;
    opacityText.textContent = auto.checked ? `auto ${percent(shown)}` : percent(fromSlider(Number(opacity.value)));
  };
  const changed = (): void => {
    sync();
    onChange(style());
  };
  size.addEventListener("input", changed);
  opacity.addEventListener("input", () => {
    auto.checked = false; // a chosen opacity holds until "auto" is ticked again
    changed();
  });
  auto.addEventListener("change", changed);
  thin.addEventListener("change", changed);

  const row = (label: string, input: HTMLElement, value: HTMLElement, ...rest: HTMLElement[]): HTMLElement =>
    el("div", { class: "pj-points-row" }, el("label", { for: input.id }, label), input, value, ...rest);
  const element = el(
    "div",
    { class: "pj-points", id: "projection-points" },
    row("Size", size, sizeText),
    row(
      "Opacity",
      opacity,
      opacityText,
      el(
        "label",
        { class: "pj-points-auto", title: "Opacity from how densely the points lie (more points: fainter)" },
        auto,
        "auto",
      ),
    ),
    el(
      "label",
      {
        class: "pj-points-thin",
        title:
          "Where drawing every point takes longer than a frame (a browser without a GPU), a moving frame draws a shuffled share of them, more opaque, and the resting picture fills in over a few frames",
      },
      thin,
      "Thin out while moving",
    ),
  );
  sync();

  return {
    element,
    style,
    showOpacity(value) {
      shown = value;
      if (auto.checked) opacity.value = String(Math.round(toSlider(value)));
      sync();
    },
  };
}
