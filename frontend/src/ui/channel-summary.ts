// Per-channel summaries of one image's activations (C, ...): mean, min and max per channel.
export interface ChannelSummary {
  mean: Float64Array;
  min: Float32Array;
  max: Float32Array;
}

export function summarise(values: Float32Array, channels: number): ChannelSummary {
  const size = channels > 0 ? Math.floor(values.length / channels) : 0;
  const mean = new Float64Array(channels);
  const min = new Float32Array(channels);
  const max = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let low = Infinity;
    let high = -Infinity;
    for (let i = c * size, end = i + size; i < end; i++) {
      const v = values[i] ?? 0;
      sum += v;
      if (v < low) low = v;
      if (v > high) high = v;
    }
    mean[c] = size ? sum / size : 0;
    min[c] = low;
    max[c] = high;
  }
  return { mean, min, max };
}
