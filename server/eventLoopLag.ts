import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How often the lag figure is renewed. */
const WINDOW_MS = 1000;

/**
 * This process's event-loop lag: the 99th percentile of the loop's delay over
 * the last second, renewed every second. The load-shedding policy reads it.
 */
export class EventLoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly timer: NodeJS.Timeout;
  private lastMs = 0;

  constructor(onSample: (lagMs: number) => void = () => {}) {
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.lastMs = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
      this.histogram.reset();
      onSample(this.lastMs);
    }, WINDOW_MS);
    this.timer.unref();
  }

  get ms(): number {
    return this.lastMs;
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
