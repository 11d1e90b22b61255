// The player bar under the scatter: play/pause, a slider over the layers with every node's name
// as a tick label (click one to go there), the current layer's name, and the speed.
import { el } from "../../ui/dom";

export const SPEEDS = [0.25, 0.5, 1, 2, 4];

export interface ControlsOptions {
  /** The slider or a tick label asks for a layer (scrub: the slider is being dragged). */
  onLayer(layer: number, scrub: boolean): void;
  onPlay(): void;
  onSpeed(speed: number): void;
}

export interface Controls {
  readonly element: HTMLElement;
  /** The layers' node names and a short description of each (op and shape). */
  setNodes(nodes: readonly string[], describe: (node: string) => string): void;
  setLayer(layer: number): void;
  setPlaying(playing: boolean): void;
}

export function createControls(o: ControlsOptions): Controls {
  const play = el("button", { id: "projection-play", class: "pj-play", title: "Play the layers in a loop", "aria-pressed": "false", disabled: "" }, "▶ Play");
  const slider = el("input", { id: "layer-slider", type: "range", min: "0", max: "0", step: "1", value: "0", disabled: "", "aria-label": "layer" });
  const name = el("span", { id: "layer-name", class: "pj-layer-current" }, "–");
  const detail = el("span", { id: "layer-detail", class: "pj-layer-detail" });
  const ticks = el("div", { class: "pj-ticks", "aria-hidden": "true" });
  const speed = el("select", { id: "projection-speed", title: "Animation speed" });
  for (const s of SPEEDS) speed.append(el("option", { value: String(s) }, `${s}×`));
  speed.value = "1";
  let nodes: readonly string[] = [];
  let describe: (node: string) => string = () => "";

  play.onclick = () => o.onPlay();
  slider.addEventListener("input", () => o.onLayer(Number(slider.value), true));
  speed.onchange = () => o.onSpeed(Number(speed.value));

  const element = el(
    "div",
    { class: "pj-controls" },
    el(
      "div",
      { class: "pj-controls-top" },
      play,
      el("label", { class: "pj-speed", for: "projection-speed" }, el("span", { class: "muted" }, "Speed"), speed),
      el("div", { class: "pj-layer-label" }, name, detail),
    ),
    el("div", { class: "pj-track" }, slider, ticks),
  );

  const setLayer = (layer: number): void => {
    slider.value = String(layer);
    const node = nodes[layer] ?? "–";
    name.textContent = node;
    detail.textContent = nodes.length ? `${describe(node)} · layer ${layer + 1} of ${nodes.length}` : "";
    ticks.querySelector(".current")?.classList.remove("current");
    ticks.children[layer]?.classList.add("current");
  };

  return {
    element,
    setNodes(next, fn) {
      nodes = next;
      describe = fn;
      slider.max = String(Math.max(0, next.length - 1));
      slider.disabled = next.length < 2;
      play.disabled = next.length < 2;
      const last = Math.max(1, next.length - 1);
      ticks.replaceChildren(
        ...next.map((node, i) => {
          const tick = el("button", { type: "button", class: "pj-tick", tabindex: "-1", title: `${node}: ${fn(node)}`, style: `--at:${i / last}` }, el("span", {}, node));
          tick.onclick = () => o.onLayer(i, false);
          return tick;
        }),
      );
      // Room for the slanted labels (38°, ~6.1 px a character): below the track, and right of
      // it for the last label.
      const longest = 6.1 * Math.max(0, ...next.map((n) => n.length));
      element.style.setProperty("--label-room", `${Math.round(Math.min(110, 18 + longest * Math.sin(0.66)))}px`);
      element.style.setProperty("--label-right", `${Math.round(Math.min(100, longest * Math.cos(0.66)))}px`);
      setLayer(0);
    },
    setLayer,
    setPlaying(playing) {
      play.textContent = playing ? "❚❚ Pause" : "▶ Play";
      play.setAttribute("aria-pressed", String(playing));
      play.title = playing ? "Pause" : "Play the layers in a loop";
    },
  };
}
