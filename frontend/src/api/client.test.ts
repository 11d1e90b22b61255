import { describe, expect, it } from "vitest";
import { ApiError, buildUrl, decodeFloat32, parseShape, relative, servedBy, toFloat32, waitForJob } from "./client";
import type { Job } from "./types";

/** `values` as little-endian float32 bytes, written one by one (whatever this machine's order). */
function littleEndian(values: number[]): ArrayBuffer {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return view.buffer;
}

const job = (state: Job["state"], done = 0): Job => ({
  id: "j1",
  kind: "strip",
  state,
  done,
  total: 3,
  progress: done / 3,
  error: null,
  result_url: state === "done" ? "/api/strips/k" : null,
});

describe("relative", () => {
  it("drops the one leading slash of a server URL and leaves relative ones", () => {
    expect(relative("/api/strips/k")).toBe("api/strips/k");
    expect(relative("api/strips/k")).toBe("api/strips/k");
  });
});

describe("buildUrl", () => {
  it("fills path parameters, encoded, and makes the URL relative", () => {
    expect(buildUrl("/api/image/activations/{node}", { path: { node: "layer1/0 conv" } })).toBe(
      "api/image/activations/layer1%2F0%20conv",
    );
    expect(buildUrl("/api/dataset/sprites/{sheet}.png", { path: { sheet: 3 }, query: { size: 16 } })).toBe(
      "api/dataset/sprites/3.png?size=16",
    );
  });

  it("leaves out null and undefined query values and keeps false and 0", () => {
    const url = buildUrl("/api/attribution", {
      query: { method: "saliency", target: null, node: undefined, index: 0, if_cached: false },
    });
    expect(new URL(url, "http://h/").searchParams.toString()).toBe("method=saliency&index=0&if_cached=false");
  });

  it("refuses a path whose parameter is missing", () => {
    expect(() => buildUrl("/api/jobs/{job_id}")).toThrow("job_id");
  });
});

describe("servedBy", () => {
  it("matches a server URL against the route template, query aside", () => {
    expect(servedBy("/api/strips/ab12", "/api/strips/{key}")).toBe(true);
    expect(servedBy("api/strips/ab12?x=1", "/api/strips/{key}")).toBe(true);
    expect(servedBy("/api/strips/ab12/frames", "/api/strips/{key}")).toBe(false);
    expect(servedBy("/api/featurevis/kpng", "/api/featurevis/{key}.png")).toBe(false);
    expect(servedBy("/api/featurevis/k.png", "/api/featurevis/{key}.png")).toBe(true);
  });
});

describe("float32 decoding", () => {
  it("reads little-endian bytes in row-major order of the shape", () => {
    const values = [1.5, -2, 0, 3.25, 1e-3, 7];
    expect(Array.from(toFloat32(littleEndian(values), [2, 3], 2))).toEqual(Array.from(Float32Array.from(values)));
  });

  it("refuses values that do not fill the shape, or a shape of another rank", () => {
    expect(() => toFloat32(littleEndian([1, 2, 3]), [2, 2])).toThrow(ApiError);
    expect(() => toFloat32(littleEndian([1, 2, 3, 4]), [4], 2)).toThrow("2 dimensions");
    expect(() => toFloat32(littleEndian([1, 2]), [2, -1])).toThrow(ApiError);
  });

  it("parses X-Shape, an absent header as no dimensions", () => {
    expect(parseShape("8,3,32,32")).toEqual([8, 3, 32, 32]);
    expect(parseShape(null)).toEqual([]);
  });

  it("decodes base64 float32 (a route's body inside JSON)", () => {
    const bytes = new Uint8Array(littleEndian([0.5, -4, 9]));
    const base64 = btoa(String.fromCharCode(...bytes));
    expect(Array.from(decodeFloat32(base64, [3]))).toEqual([0.5, -4, 9]);
    expect(() => decodeFloat32(base64, [2, 2])).toThrow(ApiError);
  });
});

describe("waitForJob", () => {
  it("polls until the job has finished, reporting every state", async () => {
    const answers = [job("running", 1), job("running", 2), job("done", 3)];
    const asked: string[] = [];
    const waits: number[] = [];
    const seen: number[] = [];
    const finished = await waitForJob(job("queued"), {
      get: (id) => {
        asked.push(id);
        const next = answers.shift();
        if (!next) throw new Error("polled after the job finished");
        return Promise.resolve(next);
      },
      wait: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      intervalMs: 40,
      onUpdate: (update) => seen.push(update.done),
    });
    expect(finished.state).toBe("done");
    expect(finished.result_url).toBe("/api/strips/k");
    expect(asked).toEqual(["j1", "j1", "j1"]);
    expect(waits).toEqual([40, 40, 40]);
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it("does not poll a job that has already finished, failed or been cancelled", async () => {
    for (const state of ["done", "failed", "cancelled"] as const) {
      const finished = await waitForJob(job(state), { get: () => Promise.reject(new Error("polled")) });
      expect(finished.state).toBe(state);
    }
  });
});
