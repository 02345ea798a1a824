import type { Kysely } from 'kysely';
import type { Gauge } from 'prom-client';
import { outboxBacklog, pruneFinishedOutboxRows, type OutboxTable } from '../db/repositories/outboxMaintenanceRepository';
import type { Database } from '../db/types';

/** How often an outbox worker prunes and reports its backlog. */
const UPKEEP_PERIOD_MS = 5_000;

/** Rows pruned per round at most. */
const PRUNE_LIMIT = 5_000;

/**
 * Rounds that a wake starts begin at least this long after the last began: under a
 * steady stream of commits that add rows, each of which wakes every node, a node
 * leases what a few commits added at once rather than once per commit.
 */
export const MIN_WOKEN_ROUND_GAP_MS = 25;

/**
 * What an outbox worker does besides its rows (the push outbox, the domain event
 * outbox): its loop (a round of rows, then upkeep when due, then a pause unless
 * the round says more is due at once), and the upkeep: at most every few
 * seconds, delete finished rows past their retention and set the depth and
 * oldest-age gauges. `wake()` cuts the pause short (a stop, a finished round,
 * rows added): a wake while a round runs is kept, so the loop does not pause
 * after that round.
 */
export class OutboxUpkeep {
  private last = 0;
  private wakeSleeper: (() => void) | undefined;
  private woken = false;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly table: OutboxTable,
    private readonly retentionMs: number,
    private readonly gauges: { readonly depth: Gauge; readonly oldestAge: Gauge },
  ) {}

  /**
   * Runs `round` until stopped: it leases and handles rows and says whether more
   * are due at once; a failed round or upkeep goes to `onError`, and its rows are
   * due again when their leases end.
   */
  start(round: () => Promise<boolean>, idlePollMs: number | (() => number), onError: (error: unknown) => void): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let moreDue = false;
        const began = Date.now();
        try {
          moreDue = await round();
          await this.runIfDue();
        } catch (error) {
          onError(error);
        }
        if (!moreDue && this.running) {
          await this.sleep(typeof idlePollMs === 'number' ? idlePollMs : idlePollMs());
          const since = Date.now() - began;
          if (since < MIN_WOKEN_ROUND_GAP_MS && this.running) await new Promise((resolve) => setTimeout(resolve, MIN_WOKEN_ROUND_GAP_MS - since));
        }
      }
    })();
  }

  /** Ends the loop after its current round. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  async runIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.last < UPKEEP_PERIOD_MS) return;
    this.last = now;
    await pruneFinishedOutboxRows(this.db, this.table, this.retentionMs, PRUNE_LIMIT);
    const backlog = await outboxBacklog(this.db, this.table);
    this.gauges.depth.set(backlog.depth);
    this.gauges.oldestAge.set(backlog.oldestAgeS);
  }

  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeSleeper = undefined;
        resolve();
      }, ms);
      this.wakeSleeper = () => {
        this.wakeSleeper = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }

  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.woken = true;
  }
}
