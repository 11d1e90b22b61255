// The current image, shared by every view: pixels, true label and top-5 predictions, marked
// when the model gets it wrong. Arrow keys step through the dataset.
import { el, formatPercent, hideWhenUnreadable, showError } from "../../ui/dom";
import { classColor } from "../../ui/colors";
import { imageRef, sameImage } from "../../state/image-ref";
import type { AppState } from "../../state/store";
import type { AppContext, View } from "../view";

export function createCurrentImage(context: AppContext): View {
  const image = el("img", { id: "current-image", alt: "current image", width: "112", height: "112" });
  hideWhenUnreadable(image);
  const title = el("div", { class: "current-title" });
  const predictions = el("ol", { id: "top5", class: "top5" });
  // Reachable from the current image anywhere: its adversarial strip (Semantics section).
  const strip = el(
    "button",
    { id: "open-strip", class: "link", title: "How must this image change to become another class?" },
    "Adversarial strip →",
  );
  strip.onclick = () => context.store.update({ section: "semantics", panel: "strip" });
  const element = el("aside", { class: "current-image" }, image, el("div", {}, title, predictions, strip));
  let request = 0;
  // Enough pixels for a sharp 48 px thumbnail (x2 for high-density screens), never more.
  const [, height, width] = context.model.input_shape;
  const scale = Math.max(1, Math.min(16, Math.ceil(96 / Math.max(height, width))));

  const show = async (state: AppState): Promise<void> => {
    const mine = ++request;
    // A tray image (an edit or upload) is served by the per-image routes that take ?tray=.
    const ref = imageRef(state);
    image.src = context.api.imageUrl(ref, scale);
    title.textContent = state.tray !== null ? "tray image" : `image #${state.image}`;
    try {
      const prediction = await context.api.predictions(ref, 5);
      if (mine !== request) return;
      const top = prediction.top[0];
      const wrong = top !== undefined && prediction.label >= 0 && top.index !== prediction.label;
      title.replaceChildren(
        el("strong", {}, state.tray !== null ? "tray image" : `image #${state.image}`),
        el("br"),
        "true: ",
        el("span", { class: "label" }, prediction.label_name ?? "unlabelled"),
      );
      if (wrong) {
        const truth = prediction.label_name ?? String(prediction.label);
        title.append(
          el(
            "span",
            {
              class: "misclassified",
              id: "misclassified",
              role: "status",
              title: `Misclassified: the model predicts ${top.name} (${formatPercent(top.probability)}), the true label is ${truth}`,
            },
            `✗ misclassified: predicted ${top.name}`,
          ),
        );
      }
      predictions.replaceChildren(
        ...prediction.top.map((score) =>
          el(
            "li",
            { class: score.index === prediction.label ? "true-class" : "" },
            el("span", { class: "name" }, score.name),
            el("span", {
              class: "bar",
              style: `width:${Math.max(1, score.probability * 100)}%;background:${classColor(score.index)}`,
            }),
            el("span", { class: "value" }, formatPercent(score.probability)),
          ),
        ),
      );
    } catch (error) {
      if (mine === request) showError(predictions, error);
    }
  };

  const onKey = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement | null;
    if (target && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return; // browser keys
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = context.store.get().image + step;
    if (next >= 0 && next < context.dataset.size) context.store.update({ image: next, tray: null });
  };
  window.addEventListener("keydown", onKey);
  const unsubscribe = context.store.subscribe((state, previous) => {
    if (!sameImage(state, previous)) void show(state);
  });
  void show(context.store.get());
  return {
    element,
    draw: () => undefined,
    destroy: () => {
      unsubscribe();
      window.removeEventListener("keydown", onKey);
    },
  };
}
