// The tray strip: images kept from the editor and uploads, each with its name, true label and
// prediction. A click makes one the current image of every view (store.tray); × removes it;
// files dropped on the strip (or picked) are uploaded.
import { ApiError } from "../../../api/client";
import type { ImagePrediction } from "../../../api/types";
import { el, formatPercent, showError } from "../../../ui/dom";
import type { AppContext } from "../../view";
import { editorApi, type TrayEntry } from "./editor-api";

export interface TrayStrip {
  readonly element: HTMLElement;
  refresh(): Promise<void>;
  /** Upload files (the first image), add it to the tray and make it the current image. */
  upload(files: FileList | null): Promise<void>;
  destroy(): void;
}

export function createTrayStrip(context: AppContext, onKeep: () => Promise<void>): TrayStrip {
  const list = el("div", { class: "we-tray-list", id: "tray-strip" });
  const status = el("div", { class: "we-tray-status", role: "status" });
  const picker = el("input", { type: "file", accept: "image/*", id: "upload-input", hidden: "" });
  const pick = el("button", { id: "upload-button", title: "Upload an image of your own (or drop it here)" }, "Upload…");
  const keep = el(
    "button",
    { id: "keep-button", class: "primary", title: "Keep the edited image in the tray" },
    "Keep",
  );
  const element = el(
    "div",
    { class: "we-tray" },
    el("div", { class: "we-tray-actions" }, keep, pick, picker),
    list,
    status,
  );
  let entries: TrayEntry[] = [];
  // A tray image never changes: its prediction is asked once (one forward pass) and kept.
  const predictions = new Map<string, Promise<ImagePrediction>>();
  const predictionOf = (id: string): Promise<ImagePrediction> => {
    let known = predictions.get(id);
    if (!known) {
      known = context.api.predictions({ tray: id }, 1);
      known.catch(() => predictions.delete(id)); // asked again on the next render
      predictions.set(id, known);
    }
    return known;
  };

  const label = (entry: TrayEntry): string =>
    entry.label >= 0 ? (entry.label_name ?? String(entry.label)) : "unlabelled";

  /** The caption's prediction line and the item's title, once the prediction is known. */
  const describe = (entry: TrayEntry, item: HTMLElement, guess: HTMLElement): void => {
    item.title = `${entry.name}\ntrue: ${label(entry)}`;
    predictionOf(entry.id).then(
      (prediction) => {
        const top = prediction.top[0];
        if (!top) return;
        const wrong = entry.label >= 0 && top.index !== entry.label;
        guess.textContent = `pred ${top.name}`;
        guess.classList.toggle("wrong", wrong);
        item.title = `${entry.name}\ntrue: ${label(entry)}\npredicted: ${top.name} (${formatPercent(top.probability)})${wrong ? " — misclassified" : ""}`;
      },
      () => undefined,
    ); // the caption keeps its name and label
  };

  const render = (): void => {
    const current = context.store.get().tray;
    if (!entries.length) {
      list.replaceChildren(
        el("span", { class: "muted" }, "The tray is empty: keep an edited image, or drop an image file here."),
      );
      return;
    }
    list.replaceChildren(
      ...entries.map((entry) => {
        const thumb = el("img", {
          src: context.api.imageUrl({ tray: entry.id }, 2),
          alt: `${entry.name}, true: ${label(entry)}`,
        });
        const remove = el("button", { class: "link we-remove", title: "Remove from the tray" }, "×");
        const guess = el("span", { class: "we-tray-pred" });
        const caption = el(
          "figcaption",
          {},
          el("span", { class: "we-tray-name" }, entry.name),
          el("span", { class: "we-tray-label" }, entry.label >= 0 ? `true ${label(entry)}` : "unlabelled"),
          guess,
        );
        const item = el(
          "figure",
          { class: `we-tray-item${entry.id === current ? " current" : ""}`, "data-tray": entry.id },
          thumb,
          caption,
          remove,
        );
        describe(entry, item, guess);
        item.onclick = () => context.store.update({ tray: entry.id });
        remove.onclick = async (event) => {
          event.stopPropagation();
          try {
            predictions.delete(entry.id);
            await editorApi.remove(entry.id);
            if (context.store.get().tray === entry.id) context.store.update({ tray: null });
          } catch (error) {
            if (!(error instanceof ApiError && error.status === 404)) showError(status, error);
          }
          await refresh();
        };
        return item;
      }),
    );
  };

  const refresh = async (): Promise<void> => {
    try {
      entries = await editorApi.tray();
      render();
    } catch (error) {
      showError(status, error);
    }
  };

  const upload = async (files: FileList | null): Promise<void> => {
    const file = files?.[0];
    if (!file) return;
    status.replaceChildren(`Uploading ${file.name}…`);
    try {
      const entry = await editorApi.upload(file);
      status.replaceChildren();
      await refresh();
      context.store.update({ tray: entry.id });
    } catch (error) {
      showError(status, error);
    }
  };

  keep.onclick = async () => {
    status.replaceChildren();
    try {
      await onKeep();
      await refresh();
    } catch (error) {
      showError(status, error);
    }
  };
  pick.onclick = () => picker.click();
  picker.onchange = () => {
    void upload(picker.files);
    picker.value = "";
  };
  element.ondragover = (event) => {
    event.preventDefault();
    element.classList.add("dropping");
  };
  element.ondragleave = () => element.classList.remove("dropping");
  element.ondrop = (event) => {
    event.preventDefault();
    element.classList.remove("dropping");
    void upload(event.dataTransfer?.files ?? null);
  };
  const unsubscribe = context.store.subscribe((state, previous) => {
    if (state.tray !== previous.tray) render();
  });
  void refresh();
  return { element, refresh, upload, destroy: unsubscribe };
}
