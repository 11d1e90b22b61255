// Global adjustments: rotate (slider and 90° buttons), flip, shift, zoom, brightness, contrast,
// noise and blur. Dragging a slider previews live; releasing it commits (one undo step).
import { el } from "../../../ui/dom";
import type { Adjustments } from "./edit-state";

interface SliderSpec {
  key: "angle" | "dx" | "dy" | "zoom" | "brightness" | "contrast" | "noise" | "blur";
  label: string;
  min: number;
  max: number;
  step: number;
  format(value: number): string;
}

export interface AdjustmentControls {
  readonly element: HTMLElement;
  set(adjust: Adjustments): void;
}

/** `onChange(adjust, done)`: live while dragging (done = false), committed on release. */
export function createAdjustments(
  width: number,
  height: number,
  onChange: (adjust: Adjustments, done: boolean) => void,
): AdjustmentControls {
  let current: Adjustments | null = null;
  const specs: SliderSpec[] = [
    { key: "angle", label: "Rotate", min: -180, max: 180, step: 1, format: (v) => `${v}°` },
    {
      key: "dx",
      label: "Shift x",
      min: -Math.floor(width / 2),
      max: Math.floor(width / 2),
      step: 1,
      format: (v) => `${v} px`,
    },
    {
      key: "dy",
      label: "Shift y",
      min: -Math.floor(height / 2),
      max: Math.floor(height / 2),
      step: 1,
      format: (v) => `${v} px`,
    },
    { key: "zoom", label: "Zoom", min: 1, max: 4, step: 0.05, format: (v) => `${v.toFixed(2)}×` },
    {
      key: "brightness",
      label: "Brightness",
      min: -1,
      max: 1,
      step: 0.02,
      format: (v) => (v > 0 ? `+${v.toFixed(2)}` : v.toFixed(2)),
    },
    { key: "contrast", label: "Contrast", min: 0, max: 3, step: 0.05, format: (v) => `${v.toFixed(2)}×` },
    { key: "noise", label: "Noise σ", min: 0, max: 0.5, step: 0.01, format: (v) => v.toFixed(2) },
    { key: "blur", label: "Blur σ", min: 0, max: 4, step: 0.1, format: (v) => `${v.toFixed(1)} px` },
  ];
  const inputs = new Map<SliderSpec["key"], [HTMLInputElement, HTMLElement]>();
  const rows = specs.map((spec) => {
    const input = el("input", {
      type: "range",
      min: String(spec.min),
      max: String(spec.max),
      step: String(spec.step),
      "data-adjust": spec.key,
      "aria-label": spec.label,
    });
    const value = el("span", { class: "we-value" });
    inputs.set(spec.key, [input, value]);
    const update = (done: boolean): void => {
      if (!current) return;
      current = { ...current, [spec.key]: Number(input.value) };
      value.textContent = spec.format(Number(input.value));
      onChange(current, done);
    };
    input.oninput = () => update(false);
    input.onchange = () => update(true);
    return el("label", { class: "we-slider" }, el("span", {}, spec.label), input, value);
  });
  const button = (
    label: string,
    title: string,
    change: (a: Adjustments) => Adjustments,
    id: string,
  ): HTMLButtonElement => {
    const b = el("button", { title, id }, label);
    b.onclick = () => {
      if (!current) return;
      current = change(current);
      onChange(current, true);
    };
    return b;
  };
  const wrap = (angle: number): number => ((((angle + 180) % 360) + 360) % 360) - 180;
  const buttons = el(
    "div",
    { class: "we-buttons" },
    button("⟲ 90°", "Rotate 90° counter-clockwise", (a) => ({ ...a, angle: wrap(a.angle + 90) }), "rotate-left"),
    button("⟳ 90°", "Rotate 90° clockwise", (a) => ({ ...a, angle: wrap(a.angle - 90) }), "rotate-right"),
    button("⇋ Flip", "Mirror left-right", (a) => ({ ...a, flipH: !a.flipH }), "flip-h"),
    button("⇵ Flip", "Mirror top-bottom", (a) => ({ ...a, flipV: !a.flipV }), "flip-v"),
  );
  const element = el("div", { class: "we-adjust" }, buttons, ...rows);
  return {
    element,
    set(adjust) {
      current = { ...adjust };
      for (const spec of specs) {
        const [input, value] = inputs.get(spec.key) ?? [];
        if (!input || !value) continue;
        input.value = String(adjust[spec.key]);
        value.textContent = spec.format(adjust[spec.key]);
      }
    },
  };
}
