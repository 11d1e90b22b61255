import { describe, expect, it } from "vitest";
import type { StripResult } from "./strip-api";
import { robustnessText, robustnessVerdict, transferText } from "./strip-robustness";

function strip(robustness: number, kind: "class" | "channel"): StripResult {
  return {
    robustness, robustness_samples: 32, transforms: "shifts up to 3 px, flips left-right",
    target: kind === "class" ? { kind, index: 7, node: null, name: "horse" } : { kind, index: 4, node: "conv3", name: "conv3 #4" },
  } as StripResult; // only the fields the line reads
} // prettier-ignore

describe("robustness verdict", () => {
  it("calls 0.8 and above robust, 0.5 to 0.8 partly robust, below 0.5 fragile", () => {
    expect(robustnessVerdict(0.8).className).toBe("st-robust-good");
    expect(robustnessVerdict(1).word).toBe("robust");
    expect(robustnessVerdict(0.79).className).toBe("st-robust-mixed");
    expect(robustnessVerdict(0.5).word).toBe("partly robust");
    expect(robustnessVerdict(0.49).className).toBe("st-robust-poor");
    expect(robustnessVerdict(-0.2).word).toBe("fragile");
  });
});

describe("robustness line", () => {
  it("names the target, its probability, the number and kind of moves", () => {
    const { text, verdict } = robustnessText(strip(0.963, "class"));
    expect(text).toContain("P(horse) = 96.3%");
    expect(text).toContain("32 held-out random moves");
    expect(text).toContain("flips left-right");
    expect(verdict.meaning).toContain("not noise");
  });

  it("reads its verdict from the percentage it shows", () => {
    const { text, verdict } = robustnessText(strip(0.7996, "class"));
    expect(text).toContain("P(horse) = 80.0%");
    expect(verdict.word).toBe("robust");
    const below = robustnessText(strip(0.796, "class"));
    expect(below.text).toContain("P(horse) = 79.6%");
    expect(below.verdict.word).toBe("partly robust");
  });

  it("words a channel target as the share of its activation gain kept", () => {
    const { text, verdict } = robustnessText(strip(0.62, "channel"));
    expect(text).toContain("62.0% of conv3 #4's activation gain kept");
    expect(verdict.word).toBe("partly robust");
  });
});

describe("transfer line", () => {
  it("gives the compared model's target probability at the first and last frame", () => {
    const probs = [Array.from({ length: 10 }, (_, k) => (k === 7 ? 0.01 : 0.099)), Array.from({ length: 10 }, (_, k) => (k === 7 ? 0.972 : 0.0031))];
    const found = { ...strip(0.96, "class"), reference: "alexnet-cifar epoch_1", transfer_probs: probs } as StripResult;
    expect(transferText(found)).toBe("Transfer: P(horse) under alexnet-cifar epoch_1 goes 1.0% → 97.2%.");
  }); // prettier-ignore
  it("says nothing without a compared model or for a channel", () => {
    expect(transferText({ ...strip(0.9, "class"), reference: null, transfer_probs: null } as StripResult)).toBeNull();
    const channel = { ...strip(0.9, "channel"), reference: "other", transfer_probs: [[0.5, 0.5]] } as StripResult;
    expect(transferText(channel)).toBeNull();
  }); // prettier-ignore
});
