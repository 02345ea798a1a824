import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/**
 * A load process's view of each second of a run: the slowest delivery, its own
 * event-loop delay and its own collector pauses. A spike seen by every load
 * process at once while their own loops and collectors were quiet is the server's.
 */
export class SecondMaxima {
  private readonly worst: number[] = [];
  private readonly gcMs: number[] = [];
  private readonly loopMax: number[] = [];
  private readonly loop = monitorEventLoopDelay({ resolution: 5 });
  private readonly gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.add(this.gcMs, entry.startTime, entry.duration, (a, b) => a + b);
  });
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly startMs: number) {}

  start(): void {
    this.loop.enable();
    this.gc.observe({ entryTypes: ['gc'] });
    this.timer = setInterval(() => {
      this.add(this.loopMax, performance.now() - 1, this.loop.max / 1e6, Math.max);
      this.loop.reset();
    }, 1000);
  }

  record(atMs: number, latencyMs: number): void {
    this.add(this.worst, atMs, latencyMs, Math.max);
  }

  /** One line: per second, the slowest delivery / own loop delay max / own GC ms. */
  stop(label: string): string {
    clearInterval(this.timer);
    this.loop.disable();
    this.gc.disconnect();
    const r = (n: number | undefined) => Math.round(n ?? 0);
    const seconds = this.worst.map((w, s) => `${r(w)}/${r(this.loopMax[s])}/${r(this.gcMs[s])}`);
    return `${label} per second, worst deliver ms / own loop delay max ms / own GC ms: ${seconds.join(' ')}\n`;
  }

  private add(into: number[], atMs: number, value: number, merge: (a: number, b: number) => number): void {
    const second = Math.floor((atMs - this.startMs) / 1000);
    if (second < 0) return;
    into[second] = into[second] === undefined ? value : merge(into[second]!, value);
  }
}
