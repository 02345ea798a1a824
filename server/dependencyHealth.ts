import type { Logger } from './logger';
import type { NodeMetrics } from './metrics';

/** How often each dependency is probed. */
const PROBE_PERIOD_MS = 500;
/** A probe that has not answered by then counts as down: /readyz must say so within 2 s of a cut. */
const PROBE_TIMEOUT_MS = 1_000;
/** A dependency whose connection just failed counts as down this long, whatever a probe says meanwhile. */
const DOWN_AFTER_FAILURE_MS = 1_000;

export interface DependencyProbe {
  /** The name in /readyz's `checks` (`database`, `presence`, `cluster`). */
  readonly check: string;
  /** The `dependency` label of `kismet_dependency_up`, when this probe stands for one. */
  readonly dependency?: string;
  probe(): boolean | Promise<boolean>;
}

/**
 * What this node reaches now, probed twice a second: /readyz answers from it,
 * `kismet_dependency_up{dependency}` shows it, and each change is logged once
 * (a warning when something goes, info when it is back).
 */
export class DependencyHealth {
  private readonly state = new Map<string, boolean>();
  private readonly downUntil = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    private readonly probes: readonly DependencyProbe[],
    private readonly metrics: NodeMetrics,
    private readonly logger: Logger,
  ) {}

  /** Probes once (so the node starts with a true picture), then keeps probing. */
  async start(): Promise<void> {
    await this.probeAll();
    this.timer = setInterval(() => {
      if (!this.probing) void this.probeAll();
    }, PROBE_PERIOD_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * A connection of this check's dependency just failed (Postgres terminated it, Redis
   * closed it): down now, and for a second at least, so that even a restart quicker
   * than a probe shows on /readyz.
   */
  noteFailure(check: string): void {
    this.downUntil.set(check, Date.now() + DOWN_AFTER_FAILURE_MS);
    const probe = this.probes.find((p) => p.check === check);
    if (probe) this.record(probe, false);
  }

  /** The last answer of each check. */
  checks(): Record<string, boolean> {
    return Object.fromEntries(this.probes.map((p) => [p.check, this.state.get(p.check) ?? false]));
  }

  private async probeAll(): Promise<void> {
    this.probing = true;
    try {
      await Promise.all(
        this.probes.map(async (p) => {
          const up = await answerWithin(p, PROBE_TIMEOUT_MS);
          this.record(p, up && Date.now() >= (this.downUntil.get(p.check) ?? 0));
        }),
      );
    } finally {
      this.probing = false;
    }
  }

  private record(probe: DependencyProbe, up: boolean): void {
    const before = this.state.get(probe.check);
    this.state.set(probe.check, up);
    if (probe.dependency) this.metrics.dependencyUp.set({ dependency: probe.dependency }, up ? 1 : 0);
    if (before === up || (before === undefined && up)) return;
    if (up) this.logger.info({ check: probe.check }, 'dependency is back');
    else this.logger.warn({ check: probe.check }, 'dependency is unavailable');
  }
}

async function answerWithin(probe: DependencyProbe, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => probe.probe()), late]);
  } catch {
    return false; // a probe that throws is a dependency that did not answer: recorded (and logged) as down
  } finally {
    clearTimeout(timer);
  }
}
