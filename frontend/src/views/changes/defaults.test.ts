import { describe, expect, it } from "vitest";
import { scoreText } from "./animation-controls";
import type { FrameScores } from "./changes-api";
import { ckaText } from "./cka-heatmap";
import { defaultClasses, lateConvNode } from "./default-node";

const nodes = [
  { name: "x", op: "input" },
  { name: "conv1", op: "conv2d" },
  { name: "pool", op: "max_pool2d" },
  { name: "conv2", op: "conv2d" },
  { name: "pool_1", op: "adaptive_avg_pool2d" },
  { name: "fc", op: "linear" },
];

describe("where the What changed views open", () => {
  it("on the last convolution or pooling offered, else the last layer offered", () => {
    expect(lateConvNode(["x", "conv1", "pool", "conv2", "pool_1", "fc"], nodes)).toBe("pool_1");
    expect(lateConvNode(["x", "conv1", "conv2", "fc"], nodes)).toBe("conv2");
    expect(lateConvNode(["x", "fc"], nodes)).toBe("fc");
    expect(lateConvNode([], nodes)).toBeNull();
  });

  it("with cat and dog where the dataset has them, else its first two classes", () => {
    const cifar = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
    expect(defaultClasses(cifar)).toEqual([3, 5]);
    expect(defaultClasses(["0", "1", "2"])).toEqual([0, 1]);
    expect(defaultClasses(["only"])).toEqual([0]);
  });
});

describe("read-outs", () => {
  it("name a frame's separation scores", () => {
    const scores: FrameScores = {
      nodes: ["pool", "pool"],
      knn_layout: [0.5, 0.955],
      knn_full: [0.6, 1],
      silhouette: [null, 0.5532],
      neighbours: 5,
      layout_points: 400,
      full_points: 400,
      chance: 0.5,
    };
    expect(scoreText(scores, 1)).toBe("kNN 96% (full 100%) · silhouette 0.55");
    expect(scoreText(scores, 0)).toBe("kNN 50% (full 60%) · silhouette –");
    expect(scoreText(null, 0)).toBe("");
  });

  it("name a CKA cell's pair and value", () => {
    const cka = { nodes_a: ["conv1", "fc"], nodes_b: ["conv1"], values: [[0.98765], [null]] };
    expect(ckaText(cka, 0, 0)).toBe("A conv1 × B conv1: CKA 0.988");
    expect(ckaText(cka, 1, 0)).toBe("A fc × B conv1: CKA not computed");
  });
});
