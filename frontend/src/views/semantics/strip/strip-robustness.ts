// How real a strip's change is, in words: the target's probability under held-out random moves
// of the last frame (for a channel, the share of its activation gain they keep), with a verdict
// that tells a feature the model reads from adversarial noise.
import { el, formatPercent } from "../../../ui/dom";
import type { StripResult } from "./strip-api";

export interface Verdict {
  className: "st-robust-good" | "st-robust-mixed" | "st-robust-poor";
  word: string;
  meaning: string;
}

const GOOD = 0.8;
const MIXED = 0.5;

export function robustnessVerdict(robustness: number): Verdict {
  if (robustness >= GOOD)
    return { className: "st-robust-good", word: "robust", meaning: "a feature the model reads, not noise" };
  if (robustness >= MIXED)
    return { className: "st-robust-mixed", word: "partly robust", meaning: "part feature, part noise" };
  return { className: "st-robust-poor", word: "fragile", meaning: "mostly adversarial noise" };
}

/** The robustness as shown, to a tenth of a percent (as the table's probabilities): the verdict
 * is read from this number, so that "80.0%" never reads "partly robust". */
function shown(strip: StripResult): number {
  return Math.round(strip.robustness * 1000) / 1000;
}

/** The verdict on a strip's robustness. */
export function stripVerdict(strip: StripResult): Verdict {
  return robustnessVerdict(shown(strip));
}

/** What the robustness number measures, e.g. "P(horse) = 96.3%" or "62.0% of conv3 #4's
 * activation gain kept". */
export function robustnessMeasure(strip: StripResult): string {
  const value = formatPercent(shown(strip));
  return strip.target.kind === "class"
    ? `P(${strip.target.name}) = ${value}`
    : `${value} of ${strip.target.name}'s activation gain kept`;
}

export function robustnessText(strip: StripResult): { text: string; verdict: Verdict } {
  const verdict = stripVerdict(strip);
  const text =
    `Under random moves: ${robustnessMeasure(strip)}, averaged over ${strip.robustness_samples} ` +
    `held-out random moves of the last frame (${strip.transforms})`;
  return { text, verdict };
}

/** Transfer to the model compared with (What changed), e.g. "Transfer: P(horse) under
 * alexnet-cifar epoch_1 goes 1.0% → 97.2%"; null where no model is compared or the target is a
 * channel. */
export function transferText(strip: StripResult): string | null {
  const probs = strip.transfer_probs;
  if (strip.reference == null || probs == null || strip.target.kind !== "class") return null;
  const t = strip.target.index;
  const first = probs[0]?.[t] ?? null;
  const last = probs[probs.length - 1]?.[t] ?? null;
  return `Transfer: P(${strip.target.name}) under ${strip.reference} goes ${formatPercent(first)} → ${formatPercent(last)}.`;
}

/** The robustness line (#strip-robustness), its verdict as its class; and the transfer to the
 * compared model (#strip-transfer) where there is one. */
export function robustnessLine(strip: StripResult): HTMLElement {
  const { text, verdict } = robustnessText(strip);
  const transfer = transferText(strip);
  return el("p", { class: `st-robustness ${verdict.className}`, id: "strip-robustness" }, `${text} — `,
    el("strong", { class: "st-verdict" }, verdict.word), `: ${verdict.meaning}.`,
    transfer === null ? null : el("span", { class: "st-transfer", id: "strip-transfer" }, ` ${transfer}`)); // prettier-ignore
}
