// The true label of every image, loaded once in pages from GET /api/dataset/images.
import { api } from "../../api/client";

const PAGE = 10_000; // the route's largest page

/** Labels in dataset order (-1 where unlabelled). */
export async function loadLabels(size: number): Promise<Int32Array> {
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
