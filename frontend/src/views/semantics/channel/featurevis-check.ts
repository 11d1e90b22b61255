// Whether a channel's feature visualisation can be trusted: the path check (Geirhos et al.,
// 2024) asks if the network processes the visualisation like the channel's top natural images,
// layer by layer, rather than reaching the same activation by another route. A Check button
// beside the visualisation; the server's verdict and a chart of the per-layer correlations.
import { trustApi, type FeatureVisCheck } from "../../../api/trust";
import { JobCancelled, type JobRunner } from "../../../state/jobs";
import { el, showError } from "../../../ui/dom";
import { lineChart } from "../../../ui/line-chart";
import { FEATURE_VIS_SEED, FEATURE_VIS_STEPS } from "./channel-api";

export interface FeatureVisCheckPart {
  /** The Check button, for the visualisation card's head. */
  readonly button: HTMLButtonElement;
  /** The verdict and chart, under the visualisation. */
  readonly element: HTMLElement;
  /** A new channel: the previous verdict is cleared; the output's classes cannot be checked. */
  show(node: string, channel: number, checkable: boolean): void;
  destroy(): void;
}

const SERIES = [
  { key: "visualisation", name: "visualisation ~ top images", className: "fv-s-vis" },
  { key: "top", name: "among top images", className: "fv-s-top" },
  { key: "reference", name: "top ~ random images", className: "fv-s-ref" },
] as const;

function chart(check: FeatureVisCheck): HTMLElement {
  const x = check.layers.map((_, i) => i);
  const values = SERIES.flatMap((s) => check[s.key]);
  const low = Math.min(0, ...values) < 0 ? -1 : 0;
  const plot = lineChart({
    id: "fv-check-chart",
    label: "per-layer rank correlation of channel activations",
    width: 290,
    height: 150,
    x: {
      min: 0,
      max: Math.max(1, x.length - 1),
      ticks: check.layers.map((name, i) => ({ at: i, label: name })),
      title: "layer",
    },
    y: { min: low, max: 1, ticks: low < 0 ? [-1, 0, 1] : [0, 0.5, 1], title: "Spearman ρ" },
    series: SERIES.map((s) => ({ name: s.name, className: s.className, x, y: check[s.key], points: true })),
  });
  const legend = el(
    "div",
    { class: "fv-legend" },
    ...SERIES.map((s) => el("span", { class: `fv-key ${s.className}` }, el("span", { class: "fv-swatch" }), s.name)),
  );
  return el("div", { class: "fv-chart" }, plot, legend);
}

/** `checked` runs after each finished check: its pass ranked the node's top images too. */
export function createFeatureVisCheck(
  jobs: JobRunner,
  checked: (node: string, channel: number) => void = () => undefined,
): FeatureVisCheckPart {
  const button = el(
    "button",
    {
      id: "fv-check-run",
      class: "small",
      title: "Check whether the network processes this visualisation like the channel's top natural images",
    },
    "Check",
  );
  const element = el("div", { class: "fv-check", id: "fv-check" });
  let target: { node: string; channel: number } | null = null;
  let request = 0;

  button.onclick = async () => {
    if (!target) return;
    const { node, channel } = target;
    const mine = ++request;
    button.disabled = true;
    element.replaceChildren(
      el("p", { class: "muted small" }, "Comparing the visualisation's path with the top images'…"),
    );
    try {
      const job = await jobs.run(`Path check ${node}:${channel}`, () =>
        trustApi.startFeatureVisCheck(node, channel, FEATURE_VIS_STEPS, FEATURE_VIS_SEED),
      );
      const check = await trustApi.featureVisCheck(job);
      if (mine !== request) return;
      checked(node, channel);
      element.replaceChildren(
        el("p", { id: "fv-check-verdict", class: `fv-verdict fv-${check.verdict}` }, check.sentence),
        chart(check),
        el(
          "p",
          { class: "muted small" },
          `Rank correlation of the channels' mean activations at each layer, against ${check.top_images.length} top images. The visualisation can be trusted where its line follows the top images' own.`,
        ),
      );
    } catch (error) {
      if (mine !== request) return;
      if (error instanceof JobCancelled) element.replaceChildren(el("p", { class: "muted small" }, "Cancelled."));
      else showError(element, error);
    } finally {
      if (mine === request) button.disabled = false;
    }
  };

  return {
    button,
    element,
    show(node, channel, checkable) {
      request++;
      target = checkable ? { node, channel } : null;
      button.disabled = !checkable;
      button.title = checkable
        ? "Check whether the network processes this visualisation like the channel's top natural images"
        : "The output's classes have no top natural images to compare with";
      element.replaceChildren();
    },
    destroy() {
      request++;
    },
  };
}
