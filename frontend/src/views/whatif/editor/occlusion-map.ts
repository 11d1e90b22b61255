// The occlusion-sensitivity map of the edited image: a grey patch slid over it as a server job
// (progress and cancel in the header); each pixel coloured by the target's mean probability
// drop where the patch covers it, over the image, on one scale with a legend.
import type { ImageRef } from "../../../state/image-ref";
import { JobCancelled } from "../../../state/jobs";
import { viridisLegend } from "../../../ui/colors";
import { el, formatPercent, showError } from "../../../ui/dom";
import { paint } from "../../../ui/color-scale";
import type { AppContext } from "../../view";
import { editorApi, type Edit } from "./editor-api";

export interface OcclusionPanel {
  readonly element: HTMLElement;
  /** The image or its edits changed: an earlier map no longer applies. */
  invalidate(): void;
}

export function createOcclusionPanel(
  context: AppContext,
  displayWidth: number,
  current: () => { ref: ImageRef; edits: Edit[]; imageUrl: string },
): OcclusionPanel {
  const [, height, width] = context.model.input_shape;
  const side = Math.min(height, width);
  const patches = [2, 4, 6, 8, 12, 16, 24, 32].filter((p) => p <= side / 2);
  const patch = el(
    "select",
    { id: "occlusion-patch", "aria-label": "patch size" },
    ...patches.map((p) => el("option", { value: String(p) }, `${p} px patch`)),
  );
  patch.value = String(
    patches.includes(Math.round(side / 4)) ? Math.round(side / 4) : (patches[patches.length - 1] ?? 2),
  );
  const run = el(
    "button",
    {
      id: "occlusion-run",
      title: "Slide a grey patch over the edited image and measure the drop of the predicted class",
    },
    "Occlusion map",
  );
  const body = el(
    "div",
    { class: "we-occlusion-body muted" },
    "Where does covering the image cost the predicted class the most? Press the button.",
  );
  const element = el("div", { class: "we-occlusion" }, el("div", { class: "we-row" }, run, patch), body);
  let generation = 0;

  run.onclick = async () => {
    const mine = ++generation;
    const { ref, edits, imageUrl } = current();
    const size = Number(patch.value);
    run.disabled = true;
    try {
      const job = await context.jobs.run("Occlusion map", () =>
        editorApi.startOcclusion(ref, edits, size, Math.max(1, Math.floor(size / 2))),
      );
      const result = await editorApi.occlusion(job);
      if (mine !== generation) return;
      let low = 0;
      let high = 0;
      for (const v of result.drop) {
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
      const heat = el("canvas", { class: "we-heat", id: "occlusion-canvas" });
      paint(heat, result.drop, 0, result.width, result.height, { min: low, max: high });
      const displayHeight = Math.round((displayWidth * height) / width);
      const stack = el(
        "div",
        { class: "we-canvas", style: `width:${displayWidth}px;height:${displayHeight}px` },
        el("img", { src: imageUrl, class: "we-image", alt: "" }),
        heat,
      );
      const name = context.model.classes[result.target] ?? String(result.target);
      body.classList.remove("muted");
      body.replaceChildren(
        stack,
        viridisLegend(low, high, "probability drop"),
        el(
          "div",
          { class: "muted" },
          `Target: ${name} (${formatPercent(result.probability)} unoccluded); ${size} px grey patch, step ${Math.max(1, Math.floor(size / 2))} px.`,
        ),
      );
    } catch (error) {
      if (!(error instanceof JobCancelled) && mine === generation) showError(body, error);
    } finally {
      run.disabled = false;
    }
  };

  return {
    element,
    invalidate() {
      if (body.querySelector("canvas")) {
        generation++;
        body.classList.add("muted");
        body.replaceChildren("The image changed: press the button for its occlusion map.");
      }
    },
  };
}
