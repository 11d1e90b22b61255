// The player bar under the scatter: play/pause, speed, the fit toggle, the current layer (its
// node named as everywhere: node-names.ts, and its 0-based position), the class-separation key,
// the slider over the layers, the separation curve under it (one point per layer) and every
// layer's 0-based number and node name as a tick label (click a tick or a point to go there).
import type { GraphNode } from "../../api/types";
import { el, formatShape } from "../../ui/dom";
import { layerPosition, nodeKind, nodeOptionText } from "../../ui/node-names";
import type { ProjectionScores } from "./projection-api";
import { createScoreChart } from "./score-chart";

export const SPEEDS = [0.25, 0.5, 1, 2, 4];

export interface ControlsOptions {
  /** The slider, a tick label or the curve asks for a layer (scrub: the slider is being dragged). */
  onLayer(layer: number, scrub: boolean): void;
  onPlay(): void;
  onSpeed(speed: number): void;
  /** Fit each layer to the canvas (true) or show the layouts' own extent. */
  onFit(fitted: boolean): void;
}

export interface Controls {
  readonly element: HTMLElement;
  /** The layers' node names, `info` of each (null for a name the graph does not know), and
   * their scores. */
  setNodes(nodes: readonly string[], info: (node: string) => GraphNode | null, scores: ProjectionScores | null): void;
  setLayer(layer: number): void;
  setPlaying(playing: boolean): void;
  fitted(): boolean;
}

export function createControls(o: ControlsOptions): Controls {
  const play = el(
    "button",
    {
      id: "projection-play",
      class: "pj-play",
      title: "Play the layers in a loop",
      "aria-pressed": "false",
      disabled: "",
    },
    "▶ Play",
  );
  const slider = el("input", {
    id: "layer-slider",
    type: "range",
    min: "0",
    max: "0",
    step: "1",
    value: "0",
    disabled: "",
    "aria-label": "layer (numbered from 0)",
  });
  const name = el("span", { id: "layer-name", class: "pj-layer-current" }, "–");
  const detail = el("span", { id: "layer-detail", class: "pj-layer-detail" });
  const ticks = el("div", { class: "pj-ticks", "aria-hidden": "true" });
  const speed = el("select", { id: "projection-speed", title: "Animation speed" });
  for (const s of SPEEDS) speed.append(el("option", { value: String(s) }, `${s}×`));
  speed.value = "1";
  const fit = el("input", { id: "projection-fit", type: "checkbox" });
  fit.checked = true;
  const fitLabel = el(
    "label",
    {
      class: "pj-fit",
      for: "projection-fit",
      title:
        "On: each layer is scaled so that its central 96% (2nd to 98th percentile) fills the canvas, the points beyond it held at the edge, and the scale follows the animation. Off: every layer as a whole, outliers included.",
    },
    fit,
    "Fit each layer",
  );
  const chart = createScoreChart((layer) => o.onLayer(layer, false));
  let nodes: readonly string[] = [];
  let info: (node: string) => GraphNode | null = () => null;

  play.onclick = () => o.onPlay();
  slider.addEventListener("input", () => o.onLayer(Number(slider.value), true));
  speed.onchange = () => o.onSpeed(Number(speed.value));
  fit.onchange = () => o.onFit(fit.checked);

  const element = el(
    "div",
    { class: "pj-controls" },
    el(
      "div",
      { class: "pj-controls-top" },
      play,
      el("label", { class: "pj-speed", for: "projection-speed" }, el("span", { class: "muted" }, "Speed"), speed),
      fitLabel,
      el("div", { class: "pj-layer-label" }, name, detail),
    ),
    chart.key,
    el("div", { class: "pj-track" }, slider, el("div", { class: "pj-plot-box" }, chart.plot), ticks),
  );

  /** `features_14 · conv2d · features.14 · 128×8×8 · layer 11 (0-based)`, for tooltips. */
  const describe = (layer: number): string => {
    const node = nodes[layer] ?? "";
    const known = info(node);
    return `layer ${layer} (0-based) · ${known ? nodeOptionText(known) : node}`;
  };

  const setLayer = (layer: number): void => {
    slider.value = String(layer);
    const node = nodes[layer] ?? "–";
    const known = info(node);
    name.textContent = node;
    const kind = known ? `${nodeKind(known)} · ${formatShape(known.shape)} · ` : "";
    detail.textContent = nodes.length ? `${kind}${layerPosition(layer, nodes.length)}` : "";
    ticks.querySelector(".current")?.classList.remove("current");
    ticks.children[layer]?.classList.add("current");
    chart.setLayer(layer);
  };

  return {
    element,
    setNodes(next, fn, scores) {
      nodes = next;
      info = fn;
      slider.max = String(Math.max(0, next.length - 1));
      slider.disabled = next.length < 2;
      play.disabled = next.length < 2;
      const last = Math.max(1, next.length - 1);
      const labels = next.map((node, i) => `${i} ${node}`);
      ticks.replaceChildren(
        ...labels.map((label, i) => {
          const tick = el(
            "button",
            { type: "button", class: "pj-tick", tabindex: "-1", title: describe(i), style: `--at:${i / last}` },
            el("span", {}, label),
          );
          tick.onclick = () => o.onLayer(i, false);
          return tick;
        }),
      );
      // Room for the slanted labels (38°, ~6.1 px a character): below the curve, and right of
      // it for the last label.
      const longest = 6.1 * Math.max(0, ...labels.map((n) => n.length));
      element.style.setProperty("--label-room", `${Math.round(Math.min(110, 18 + longest * Math.sin(0.66)))}px`);
      element.style.setProperty(
        "--label-right",
        `${Math.round(Math.min(100, Math.max(28, longest * Math.cos(0.66))))}px`,
      );
      chart.setScores(scores, describe);
      setLayer(0);
    },
    setLayer,
    setPlaying(playing) {
      play.textContent = playing ? "❚❚ Pause" : "▶ Play";
      play.setAttribute("aria-pressed", String(playing));
      play.title = playing ? "Pause" : "Play the layers in a loop";
    },
    fitted: () => fit.checked,
  };
}
