// The player bar of the training animation: play/pause, speed, the slider over the checkpoints
// (time, where the layer projection's runs over depth), the current checkpoint's name and how
// well the classes separate in its layout (kNN accuracy, silhouette), and every checkpoint's
// name as a tick (click one to go there).
import { el } from "../../ui/dom";
import { SPEEDS } from "../projection/controls";
import type { FrameScores } from "./changes-api";

export interface AnimationControlsOptions {
  /** The slider or a tick asks for frame `t` (scrub: the slider is being dragged). */
  onFrame(t: number, scrub: boolean): void;
  onPlay(): void;
  onSpeed(speed: number): void;
}

export interface AnimationControls {
  readonly element: HTMLElement;
  /** The frames' names (checkpoints, in training order) and their scores. */
  setFrames(names: readonly string[], scores: FrameScores | null): void;
  /** A frame's name became known (X-Frame, as it arrives). */
  nameFrame(t: number, name: string): void;
  setFrame(t: number): void;
  setPlaying(playing: boolean): void;
}

const percent = (v: number | null | undefined): string =>
  v === null || v === undefined ? "–" : `${Math.round(v * 100)}%`;

/** `kNN 96% · silhouette 0.55` for one frame (dashes where it was not scored). */
export function scoreText(scores: FrameScores | null, t: number): string {
  if (!scores) return "";
  const silhouette = scores.silhouette[t];
  return `kNN ${percent(scores.knn_layout[t])} (full ${percent(scores.knn_full[t])}) · silhouette ${
    silhouette === null || silhouette === undefined ? "–" : silhouette.toFixed(2)
  }`;
}

export function createAnimationControls(o: AnimationControlsOptions): AnimationControls {
  const play = el(
    "button",
    {
      id: "checkpoint-play",
      class: "wc-play",
      "aria-pressed": "false",
      disabled: "",
      title: "Play the checkpoints in a loop",
    },
    "▶ Play",
  );
  const slider = el("input", {
    id: "checkpoint-slider",
    type: "range",
    min: "0",
    max: "0",
    step: "1",
    value: "0",
    disabled: "",
    "aria-label": "checkpoint (in training order)",
  });
  const speed = el("select", { id: "checkpoint-speed", title: "Animation speed" });
  for (const s of SPEEDS) speed.append(el("option", { value: String(s) }, `${s}×`));
  speed.value = "1";
  const name = el("strong", { id: "checkpoint-frame", class: "wc-frame-name" }, "–");
  const position = el("span", { class: "muted" });
  const score = el("span", {
    id: "checkpoint-score",
    class: "wc-frame-score",
    title:
      "How well the true classes separate at this checkpoint: leave-one-out kNN accuracy of the 2-D layout (and of the full activations), and the layout's silhouette (1: tight, far-apart classes; 0: overlapping)",
  });
  const ticks = el("div", { class: "wc-ticks" });
  let names: string[] = [];
  let scores: FrameScores | null = null;
  let current = 0;

  play.onclick = () => o.onPlay();
  slider.addEventListener("input", () => o.onFrame(Number(slider.value), true));
  speed.onchange = () => o.onSpeed(Number(speed.value));

  const label = (): void => {
    name.textContent = names[current] ?? "–";
    position.textContent = names.length ? `checkpoint ${current + 1} of ${names.length}` : "";
    score.textContent = scoreText(scores, current);
  };
  const setFrame = (t: number): void => {
    current = t;
    slider.value = String(t);
    ticks.querySelector(".current")?.classList.remove("current");
    ticks.children[t]?.classList.add("current");
    label();
  };

  return {
    element: el(
      "div",
      { class: "wc-controls" },
      el(
        "div",
        { class: "wc-controls-top" },
        play,
        el("label", { class: "wc-speed", for: "checkpoint-speed" }, el("span", { class: "muted" }, "Speed"), speed),
        el("div", { class: "wc-frame-label" }, name, position, score),
      ),
      el("div", { class: "wc-track" }, slider, ticks),
    ),
    setFrames(next, nextScores) {
      names = [...next];
      scores = nextScores;
      slider.max = String(Math.max(0, names.length - 1));
      slider.disabled = names.length < 2;
      play.disabled = names.length < 2;
      const last = Math.max(1, names.length - 1);
      const every = Math.max(1, Math.ceil(names.length / 12)); // names that fit side by side
      ticks.replaceChildren(
        ...names.map((text, t) => {
          const named = t % every === 0 || t === names.length - 1;
          const tick = el(
            "button",
            {
              type: "button",
              // The end names inside the track: the first starts at its tick, the last ends there.
              class: `wc-tick${named ? "" : " wc-tick-unnamed"}${t === 0 ? " first" : t === names.length - 1 ? " last" : ""}`,
              tabindex: "-1",
              style: `--at:${t / last}`,
              title: `${text}: ${scoreText(scores, t)}`,
            },
            text,
          );
          tick.onclick = () => o.onFrame(t, false);
          return tick;
        }),
      );
      setFrame(0);
    },
    nameFrame(t, text) {
      if (names[t] === text) return;
      names[t] = text;
      const tick = ticks.children[t];
      if (tick) tick.textContent = text;
      if (t === current) label();
    },
    setFrame,
    setPlaying(playing) {
      play.textContent = playing ? "❚❚ Pause" : "▶ Play";
      play.setAttribute("aria-pressed", String(playing));
    },
  };
}
