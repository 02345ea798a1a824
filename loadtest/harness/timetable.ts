/** Shared by the load workers: a fixed send timetable, and a bounded log of errors. */
const TICK_MS = 2;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ErrorLog {
  count = 0;
  readonly samples: string[] = [];
  add(what: string): void {
    this.count += 1;
    if (this.samples.length < 10) this.samples.push(what);
  }
}

/**
 * Runs `due(n)` for every n whose time on the fixed timetable (`start + n * periodMs`)
 * has come, until `end`; late sends are sent at once, never skipped, so a slow
 * server shows up as latency (no coordinated omission).
 */
export async function onTimetable(startMs: number, periodMs: number, count: number, due: (n: number, scheduledMs: number) => void): Promise<void> {
  let n = 0;
  while (n < count) {
    const now = performance.now();
    while (n < count && startMs + n * periodMs <= now) {
      due(n, startMs + n * periodMs);
      n += 1;
    }
    await sleep(TICK_MS);
  }
}


/**
 * Opens `count` connections on a fixed timetable, `ratePerS` a second, and
 * resolves once every attempt has settled: `connect(i)` opens connection i; the
 * time from its scheduled start to its success goes to `connected`, a failure to `failed`.
 */
export async function connectOnTimetable(
  ratePerS: number,
  count: number,
  connect: (i: number) => Promise<void>,
  report: { connected(ms: number): void; failed(error: unknown): void },
): Promise<void> {
  const attempts: Array<Promise<void>> = [];
  await onTimetable(performance.now(), 1000 / ratePerS, count, (i, scheduled) => {
    attempts.push(connect(i).then(() => report.connected(performance.now() - scheduled), (error: unknown) => report.failed(error)));
  });
  await Promise.all(attempts);
}
