// The paint colour. Until the user picks one it follows the current image: white on a dark
// image, black on a light one, so a stroke always shows (black paint on an MNIST digit, white
// on black, would look like erasing). Once picked, the user's colour stays for every image.
import { el } from "../../../ui/dom";

export type Rgb = [number, number, number];

export interface BrushColour {
  readonly element: HTMLElement;
  /** The current image's address: pick the contrasting colour once it has loaded (if automatic). */
  follow(url: string): void;
}

const SAMPLE = 64; // enough pixels for a mean brightness

function hex(rgb: Rgb): string {
  return `#${rgb
    .map((v) =>
      Math.round(v * 255)
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

function rgbOf(value: string): Rgb {
  return [1, 3, 5].map((i) => parseInt(value.slice(i, i + 2), 16) / 255) as Rgb;
}

/** Mean luma (0..1) of an image, or null where it cannot be read. */
function meanBrightness(image: HTMLImageElement): number | null {
  const canvas = document.createElement("canvas");
  canvas.width = Math.min(SAMPLE, image.naturalWidth || SAMPLE);
  canvas.height = Math.min(SAMPLE, image.naturalHeight || SAMPLE);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) return null;
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0;
  for (let i = 0; i < data.length; i += 4)
    sum += 0.299 * (data[i] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + 2] ?? 0);
  return sum / (data.length / 4) / 255;
}

export function createBrushColour(onChange: (rgb: Rgb) => void): BrushColour {
  const input = el("input", { type: "color", id: "brush-colour", value: "#ffffff", "aria-label": "paint colour" });
  const mode = el(
    "span",
    { class: "we-colour-mode muted", title: "Follows the image until you pick a colour" },
    "auto",
  );
  const auto = el(
    "button",
    {
      class: "link",
      id: "brush-colour-auto",
      title: "Follow the image again: white on dark images, black on light ones",
    },
    "auto",
  );
  const element = el("label", { class: "we-inline", title: "Paint colour" }, "colour ", input, mode, auto);
  let chosen = false;
  let request = 0;
  let contrast: Rgb = [1, 1, 1];

  const show = (): void => {
    mode.hidden = chosen;
    auto.hidden = !chosen;
  };
  const set = (rgb: Rgb): void => {
    input.value = hex(rgb);
    onChange(rgb);
  };
  input.oninput = () => {
    chosen = true;
    show();
    onChange(rgbOf(input.value));
  };
  auto.onclick = (event) => {
    event.preventDefault(); // a click in a label would open the colour picker
    chosen = false;
    show();
    set(contrast);
  };
  show();
  set(contrast);

  return {
    element,
    follow(url) {
      const mine = ++request;
      const image = new Image();
      image.onload = () => {
        const mean = meanBrightness(image);
        if (mine !== request || mean === null) return;
        contrast = mean < 0.5 ? [1, 1, 1] : [0, 0, 0];
        if (!chosen) set(contrast);
      };
      image.src = url;
    },
  };
}
