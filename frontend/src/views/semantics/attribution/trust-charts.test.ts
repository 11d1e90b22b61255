import { describe, expect, it } from "vitest";
import { tickEvery } from "./trust-charts";

describe("tickEvery", () => {
  it("labels every step of a small model and thins a deep one to at most 16", () => {
    expect(tickEvery(6)).toBe(1);
    expect(tickEvery(16)).toBe(1);
    expect(tickEvery(63)).toBe(4);
    expect(Math.ceil(63 / tickEvery(63))).toBeLessThanOrEqual(16);
  });
});
