import * as hdr from 'hdr-histogram-js';

/** Latencies are recorded in microseconds, up to one minute unless `highestMs` says longer, to 3 significant digits. */
export function newHistogram(highestMs = 60_000): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: highestMs * 1000, numberOfSignificantValueDigits: 3, bitBucketSize: 32 });
}

export function recordMs(histogram: hdr.Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function encodeHistogram(histogram: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function mergeEncoded(encoded: readonly string[], highestMs?: number): hdr.Histogram {
  const total = newHistogram(highestMs);
  for (const text of encoded) total.add(hdr.decodeFromCompressedBase64(text, 32));
  return total;
}

/** `{prefix}_p50_ms`, `_p95_ms`, `_p99_ms` of a histogram, in milliseconds with 2 decimals. */
export function percentiles(prefix: string, histogram: hdr.Histogram): Record<string, number> {
  const at = (p: number) => (histogram.totalCount === 0 ? 0 : Math.round(histogram.getValueAtPercentile(p) / 10) / 100);
  return { [`${prefix}_p50_ms`]: at(50), [`${prefix}_p95_ms`]: at(95), [`${prefix}_p99_ms`]: at(99) };
}
