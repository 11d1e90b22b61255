// Builds a layer's picking index (picking.ts) off the main thread: a million points take a few
// hundred milliseconds to sort into a k-d tree, which would stall the animation and the controls.
import { buildIndex, indexData, type IndexData } from "./picking";

export interface IndexRequest {
  layer: number;
  /** Which data the layer belongs to (the page drops replies for data it no longer shows). */
  generation: number;
  coords: Float32Array;
}
export interface IndexReply extends IndexData {
  layer: number;
  generation: number;
}

self.onmessage = (event: MessageEvent<IndexRequest>) => {
  const { layer, generation, coords } = event.data;
  const reply: IndexReply = { layer, generation, ...indexData(buildIndex(coords)) };
  const transfer: Transferable[] = [reply.ids.buffer];
  if (reply.data instanceof ArrayBuffer) transfer.push(reply.data);
  self.postMessage(reply, { transfer });
};
