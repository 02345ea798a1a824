import type * as hdr from 'hdr-histogram-js';
import { encodeHistogram, mergeEncoded, newHistogram, percentiles, recordMs } from './histogram';

/**
 * A latency kept twice: over the whole run, and over what was scheduled
 * `warmAfterS` into it. Freshly started nodes spend their first seconds of
 * traffic compiling its hot paths on their helper threads, which on a shared
 * box takes a core from everything else (loadtest/README.md, "Chat and swipes,
 * cold and warm"): the whole-run figure includes that, the warm one is a node
 * that has been running.
 */
export class WarmSplit {
  private readonly all: hdr.Histogram = newHistogram();
  private readonly warm: hdr.Histogram = newHistogram();
  private warmFrom = Infinity;

  /** Counts as warm what is scheduled `warmAfterS` after `startMs` or later. */
  start(startMs: number, warmAfterS: number): void {
    this.warmFrom = startMs + warmAfterS * 1000;
  }

  record(scheduledMs: number, latencyMs: number): void {
    recordMs(this.all, latencyMs);
    if (scheduledMs >= this.warmFrom) recordMs(this.warm, latencyMs);
  }

  /** Both histograms for a load result: `name` and `name` + "Warm". */
  encode(name: string): Record<string, string> {
    return { [name]: encodeHistogram(this.all), [`${name}Warm`]: encodeHistogram(this.warm) };
  }
}

/** `{name}_p*_ms` and `{name}_warm_p*_ms` over the load processes' results (as `encode(name)` wrote them). */
export function warmSplitPercentiles(name: string, results: ReadonlyArray<{ readonly histograms: Readonly<Record<string, string>> }>): Record<string, number> {
  return {
    ...percentiles(name, mergeEncoded(results.map((r) => r.histograms[name]!))),
    ...percentiles(`${name}_warm`, mergeEncoded(results.map((r) => r.histograms[`${name}Warm`]!))),
  };
}
