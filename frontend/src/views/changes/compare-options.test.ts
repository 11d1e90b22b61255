import { describe, expect, it } from "vitest";
import type { CheckpointsInfo } from "./changes-api";
import { compareChoice, compareOptions, compareValue, hasChoice } from "./compare-options";

const series: CheckpointsInfo = {
  checkpoints: ["epoch_1", "epoch_2", "epoch_3"],
  series: true,
  selected: 2,
  model: "cnn epoch_3",
  compare: "cnn epoch_1",
  compare_checkpoint: 0,
  external: null,
};
const lone: CheckpointsInfo = {
  checkpoints: ["cnn"],
  series: false,
  selected: 0,
  model: "cnn",
  compare: null,
  compare_checkpoint: null,
  external: null,
};

describe("the compare selector", () => {
  it("offers none, every checkpoint of a series (the selected one marked) and the external model", () => {
    const texts = compareOptions({ ...series, external: "resnet" }).map((o) => o.text);
    expect(texts).toEqual(["none", "epoch_1", "epoch_2", "epoch_3 (A)", "resnet"]);
    expect(compareOptions(lone).map((o) => o.text)).toEqual(["none"]);
    expect(compareOptions({ ...lone, external: "resnet" }).map((o) => o.text)).toEqual(["none", "resnet"]);
  });

  it("reads back the request of every option it offers, and names the server's current choice", () => {
    const info = { ...series, external: "resnet" };
    const requests = compareOptions(info).map((o) => compareChoice(o.value));
    expect(requests).toEqual([
      { checkpoint: null, external: false },
      { checkpoint: 0, external: false },
      { checkpoint: 1, external: false },
      { checkpoint: 2, external: false },
      { checkpoint: null, external: true },
    ]);
    expect(compareValue(info)).toBe("checkpoint:0");
    expect(compareValue({ ...info, compare: "resnet", compare_checkpoint: null })).toBe("external");
    expect(compareValue({ ...info, compare: null, compare_checkpoint: null })).toBe("none");
    for (const value of compareOptions(info).map((o) => o.value))
      expect(compareOptions(info).some((o) => o.value === value)).toBe(true);
  });

  it("refuses a value no option has", () => {
    for (const bad of ["", "checkpoint:", "checkpoint:-1", "checkpoint:1.5", "checkpoint:x", "other"])
      expect(compareChoice(bad), bad).toBeNull();
  });

  it("is offered only where there is something to choose", () => {
    expect(hasChoice(series)).toBe(true);
    expect(hasChoice(lone)).toBe(false);
    expect(hasChoice({ ...lone, external: "resnet" })).toBe(true);
  });
});
