// The current image, shared by every view: pixels, true label and top-5 predictions.
// Arrow keys step through the dataset.
import { el, formatPercent, showError } from "../../ui/dom";
import { classColor } from "../../ui/colors";
import type { AppContext, View } from "../view";

export function createCurrentImage(context: AppContext): View {
  const image = el("img", { id: "current-image", alt: "current image", width: "112", height: "112" });
  const title = el("div", { class: "current-title" });
  const predictions = el("ol", { id: "top5", class: "top5" });
  const element = el("aside", { class: "current-image" }, image, el("div", {}, title, predictions));
  let request = 0;
  // Enough pixels for a sharp 48 px thumbnail (x2 for high-density screens), never more.
  const [, height, width] = context.model.input_shape;
  const scale = Math.max(1, Math.min(16, Math.ceil(96 / Math.max(height, width))));

  const show = async (index: number): Promise<void> => {
    const mine = ++request;
    image.src = context.api.imageUrl(index, scale);
    title.textContent = `image #${index}`;
    try {
      const prediction = await context.api.predictions(index, 5);
      if (mine !== request) return;
      title.replaceChildren(
        el("strong", {}, `image #${index}`),
        el("br"),
        "true: ",
        el("span", { class: "label" }, prediction.label_name ?? "unlabelled"),
      );
      predictions.replaceChildren(
        ...prediction.top.map((score) =>
          el(
            "li",
            { class: score.index === prediction.label ? "true-class" : "" },
            el("span", { class: "name" }, score.name),
            el("span", { class: "bar", style: `width:${Math.max(1, score.probability * 100)}%;background:${classColor(score.index)}` }),
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
    if (next >= 0 && next < context.dataset.size) context.store.update({ image: next });
  };
  window.addEventListener("keydown", onKey);
  const unsubscribe = context.store.subscribe((state, previous) => {
    if (state.image !== previous.image) void show(state.image);
  });
  void show(context.store.get().image);
  return {
    element,
    draw: () => undefined,
    destroy: () => {
      unsubscribe();
      window.removeEventListener("keydown", onKey);
    },
  };
}
