// The true label of every image, loaded once in pages from GET /api/dataset/images.
// (The shared API client has no method for that listing yet, so this file calls it directly.)

interface ImagePage {
  total: number;
  offset: number;
  images: { index: number; label: number }[];
}

const PAGE = 10_000; // the route's largest page

/** Labels in dataset order (-1 where unlabelled). */
export async function loadLabels(size: number): Promise<Int32Array> {
  const labels = new Int32Array(size).fill(-1);
  const offsets: number[] = [];
  for (let offset = 0; offset < size; offset += PAGE) offsets.push(offset);
  await Promise.all(
    offsets.map(async (offset) => {
      const response = await fetch(`/api/dataset/images?offset=${offset}&limit=${PAGE}`);
      if (!response.ok) throw new Error(`Could not load the image labels (${response.status} ${response.statusText}).`);
      const page = (await response.json()) as ImagePage;
      for (const entry of page.images) if (entry.index < size) labels[entry.index] = entry.label;
    }),
  );
  return labels;
}
