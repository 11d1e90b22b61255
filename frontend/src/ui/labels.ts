// The true label of every image, loaded once in pages from GET /api/dataset/images.
import { api } from "../api/client";

const PAGE = 10_000; // the route's largest page

// The dataset does not change while the page is open: the grid and the projection share one load.
let shared: { size: number; labels: Promise<Int32Array> } | null = null;

/** Labels in dataset order (-1 where unlabelled), fetched once per page. */
export function loadLabels(size: number): Promise<Int32Array> {
  if (shared?.size !== size) {
    const labels = fetchLabels(size);
    shared = { size, labels };
    labels.catch(() => {
      shared = null; // a failed load is retried by the next caller
    });
  }
  return shared.labels;
}

async function fetchLabels(size: number): Promise<Int32Array> {
  const labels = new Int32Array(size).fill(-1);
  const offsets: number[] = [];
  for (let offset = 0; offset < size; offset += PAGE) offsets.push(offset);
  await Promise.all(
    offsets.map(async (offset) => {
      const page = await api.images(offset, PAGE);
      for (const entry of page.images) if (entry.index < size) labels[entry.index] = entry.label;
    }),
  );
  return labels;
}
