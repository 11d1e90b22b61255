// Small DOM helpers: views build their elements with these instead of innerHTML strings.

type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

/** Show an error message in place of a panel's content (never a blank panel). */
export function showError(target: HTMLElement, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  target.replaceChildren(el("div", { class: "error", role: "alert" }, message));
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? "–" : `${(value * 100).toFixed(digits)}%`;
}

export function formatShape(shape: readonly number[]): string {
  return shape.length ? shape.join("×") : "scalar";
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with its attributes (charts and the graph draw with these). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** Hides an image whose source fails to load (an image file found damaged), rather than the
 * browser's broken-image icon and spilled alt text; shown again once a source loads. */
export function hideWhenUnreadable(image: HTMLImageElement): void {
  image.addEventListener("error", () => image.classList.add("unreadable"));
  image.addEventListener("load", () => image.classList.remove("unreadable"));
}
