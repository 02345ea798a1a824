import { setMaxListeners } from 'node:events';
import type { Kysely } from 'kysely';
import { GroupCommit } from '../../db/groupCommit';
import { deleteGonePushTarget } from '../../db/repositories/pushTargetRepository';
import {
  finishPushes,
  leaseDuePushes,
  retryPushLater,
  type FinishedState,
  type LeasedPush,
  type PushLease,
} from '../../db/repositories/pushOutboxRepository';
import type { Database } from '../../db/types';
import type { PushNotification } from '../../domain/push/notification';
import { nextOutboxStep, notificationFor } from '../../domain/push/userPush';
import type { Logger } from '../logger';
import { OutboxUpkeep } from '../outboxUpkeep';
import type { PushMetrics } from './pushMetrics';
import { sendThrough, type PushProviders } from './pushProvider';

export interface PushOutboxOptions {
  /** Rows leased at a time. */
  readonly batchSize: number;
  /** How long a leased row is this worker's; after that another worker may take it (a crash). */
  readonly leaseMs: number;
  /** The wait before looking again when nothing was due, while no notification says when rows are added. */
  readonly idlePollMs: number;
  /** The same while notifications of added rows are heard (`wake()`): the rows due later (retries) and any notification missed. */
  readonly heardPollMs: number;
  readonly maxAttempts: number;
  /** Finished rows are deleted after this long. */
  readonly retentionMs: number;
  /** Rows this node sends at once, over all its rounds. */
  readonly maxInFlight: number;
  /**
   * How long after its lease a row's send is given up (a timeout, retried), a
   * socket's wait included: half of `leaseMs` when unset, so that the row is
   * finished or rescheduled while still this worker's.
   */
  readonly sendDeadlineMs?: number;
}

export const DEFAULT_PUSH_OUTBOX_OPTIONS: PushOutboxOptions = {
  batchSize: 256,
  leaseMs: 30_000,
  idlePollMs: 100,
  heardPollMs: 1_000,
  maxAttempts: 8,
  retentionMs: 24 * 3600_000,
  maxInFlight: 1024,
};

const FAILED_ROUND_RETRY_MS = 1_000;

export interface PushOutboxDeps {
  readonly db: Kysely<Database>;
  readonly providers: PushProviders;
  /** A device connected now got the event live: it is not pushed. */
  readonly isConnected: (userId: string, deviceId: string) => Promise<boolean>;
  readonly metrics: PushMetrics;
  readonly logger: Logger;
  readonly random?: () => number;
}

type Finished = PushLease & { state: FinishedState; reason: string | null };

/** Finishes written at once at most, and in one statement at most. */
const FINISH_LIMITS = { maxInFlight: 2, maxBatch: 256, gatherTurn: true } as const;

/**
 * The outbox's worker on this node (one per node; any number of nodes): leases
 * due rows, delivers each to its device through the platform's provider, and
 * marks it done, retries it later with backoff, deletes a gone target, or
 * dead-letters it after the last attempt. At least once: a worker killed
 * mid-delivery leaves its rows leased until the lease runs out, and another
 * sends them again with the same id and collapse key. Each row is finished as
 * soon as its own send ends, never later than its deadline, and only while its
 * lease holds: a worker that outlived its lease leaves the row to whoever took it.
 */
export class PushOutboxWorker {
  private readonly upkeep: OutboxUpkeep;
  private inFlight = 0;
  private readonly rounds = new Set<Promise<void>>();
  private hearing = false;
  private readonly sendDeadlineMs: number;
  private readonly finishes: GroupCommit<Finished, void>;

  constructor(
    private readonly deps: PushOutboxDeps,
    private readonly options: PushOutboxOptions = DEFAULT_PUSH_OUTBOX_OPTIONS,
  ) {
    this.upkeep = new OutboxUpkeep(deps.db, 'push_outbox', options.retentionMs, deps.metrics);
    this.sendDeadlineMs = options.sendDeadlineMs ?? Math.floor(options.leaseMs / 2);
    // Rows that end in the same turn share a statement.
    this.finishes = new GroupCommit(async (rows) => {
      try {
        const finished = new Set(await finishPushes(deps.db, rows));
        this.leasesLost(rows.filter((row) => !finished.has(row.id)));
      } catch (error) {
        deps.logger.warn({ err: error, outboxIds: rows.map((r) => r.id) }, 'could not finish pushes; due again when their leases end');
      }
      return rows.map(() => undefined);
    }, FINISH_LIMITS);
  }

  start(): void {
    this.upkeep.start(
      async () => {
        const room = this.options.maxInFlight - this.inFlight;
        const leased = room > 0 ? await this.leaseRound(Math.min(this.options.batchSize, room)) : 0;
        // A full batch: there may be more due at once. Otherwise look again shortly, or when a round ends.
        return leased === this.options.batchSize && this.inFlight < this.options.maxInFlight;
      },
      () => (this.hearing ? this.options.heardPollMs : this.options.idlePollMs),
      (error) => this.deps.logger.warn({ err: error }, 'push outbox round failed; its rows are due again when their leases end'),
    );
  }

  /** Rows were added (a notification): look now. */
  wake(): void {
    this.upkeep.wake();
  }

  /** Whether notifications of added rows are heard: while they are, the outbox is read less often. */
  setHearing(hearing: boolean): void {
    this.hearing = hearing;
    if (!hearing) this.upkeep.wake();
  }

  async stop(): Promise<void> {
    await this.upkeep.stop();
    await Promise.all(this.rounds);
  }

  /**
   * Leases up to `limit` rows and delivers them in a round of their own, not
   * awaited: a slow push service holds up only its own rows, while the next
   * rounds are leased (up to maxInFlight rows in all). The number of rows leased.
   */
  private async leaseRound(limit: number): Promise<number> {
    const rows = await leaseDuePushes(this.deps.db, limit, this.options.leaseMs);
    if (rows.length === 0) return 0;
    this.inFlight += rows.length;
    const deadline = AbortSignal.timeout(this.sendDeadlineMs);
    // Each row of the round, and its provider's request, listens for it.
    setMaxListeners(0, deadline);
    const round = this.deliverRows(rows, deadline)
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'push outbox round failed; its rows are due again when their leases end'))
      .finally(() => {
        this.rounds.delete(round);
        this.upkeep.wake();
      });
    this.rounds.add(round);
    return rows.length;
  }

  /** A row of a round has ended: once a whole batch fits again, the next round need not wait for this one's slowest. */
  private rowEnded(): void {
    const roomBefore = this.options.maxInFlight - this.inFlight;
    this.inFlight -= 1;
    if (roomBefore < this.options.batchSize && roomBefore + 1 >= this.options.batchSize) this.upkeep.wake();
  }

  private async deliverRows(rows: readonly LeasedPush[], deadline: AbortSignal): Promise<void> {
    const { sends, skipped } = collapse(rows);
    await Promise.all([
      ...skipped.map((f) => this.finish(f).finally(() => this.rowEnded())),
      ...sends.map(({ row, notification }) => this.settle(row, notification, deadline).finally(() => this.rowEnded())),
    ]);
  }

  /** Sends one row and writes what became of it, as soon as it is known. */
  private async settle(row: LeasedPush, notification: PushNotification, deadline: AbortSignal): Promise<void> {
    this.deps.metrics.inFlight.inc();
    try {
      const result = await this.deliver(row, notification, deadline);
      if (result) await this.finish(result);
    } catch (error) {
      // Presence or the database failed for this row: it waits, and the others of the batch go on.
      this.deps.logger.warn({ err: error, outboxId: row.id }, 'push delivery failed; retrying the row later');
      await this.retryLater(row, FAILED_ROUND_RETRY_MS, 'retry/internal').catch((e: unknown) =>
        this.deps.logger.warn({ err: e, outboxId: row.id }, 'could not reschedule the push; due again when its lease ends'),
      );
    } finally {
      this.deps.metrics.inFlight.dec();
    }
  }

  /** Writes how a row finished, with the rows that finish in the same turn. */
  private async finish(finished: Finished): Promise<void> {
    if (finished.state === 'skipped') this.deps.metrics.skipped.inc({ reason: finished.reason ?? 'unknown' });
    await this.finishes.submit(finished);
  }

  private async retryLater(row: LeasedPush, delayMs: number, reason: string): Promise<void> {
    if (!(await retryPushLater(this.deps.db, row, delayMs, reason))) this.leasesLost([row]);
  }

  /** Rows whose lease ran out before this worker wrote what became of them: another worker took them, and its word stands. */
  private leasesLost(rows: readonly PushLease[]): void {
    if (rows.length === 0) return;
    this.deps.metrics.leasesLost.inc(rows.length);
    this.deps.logger.warn({ outboxIds: rows.map((r) => r.id) }, 'push outbox rows were taken by another worker after the lease of this one ran out; left to it');
  }

  /** Sends one row; what finished it, or undefined when it waits for another attempt. */
  private async deliver(row: LeasedPush, notification: PushNotification, deadline: AbortSignal): Promise<Finished | undefined> {
    const { metrics } = this.deps;
    const lease = { id: row.id, attempts: row.attempts };
    if (row.withheld) return { ...lease, state: 'skipped', reason: 'withheld' };
    if (!row.target) return { ...lease, state: 'skipped', reason: 'no-target' };
    if (await this.deps.isConnected(row.userId, row.deviceId)) return { ...lease, state: 'skipped', reason: 'connected' };
    const platform = row.target.platform;
    const sending = sendThrough(this.deps.providers, row.target, notification, deadline);
    if (!sending) return { ...lease, state: 'dead', reason: 'platform-disabled' };
    const outcome = await sending;
    const step = nextOutboxStep(outcome, row.attempts, this.options.maxAttempts, (this.deps.random ?? Math.random)());
    switch (step.kind) {
      case 'done':
        metrics.sent.inc({ platform });
        metrics.latency.observe({ platform }, Math.max(0, Date.now() - row.createdAtMs) / 1000);
        return { ...lease, state: 'done', reason: null };
      case 'drop-target':
        metrics.failed.inc({ platform, reason: step.reason });
        metrics.targetsRemoved.inc({ platform });
        await deleteGonePushTarget(this.deps.db, row.userId, row.deviceId, row.target);
        return { ...lease, state: 'dead', reason: step.reason };
      case 'dead':
        metrics.failed.inc({ platform, reason: step.reason });
        metrics.dead.inc({ platform, reason: step.reason });
        this.deps.logger.warn({ outboxId: row.id, userId: row.userId, platform, reason: step.reason, detail: 'detail' in outcome ? outcome.detail : undefined }, 'push dead-lettered');
        return { ...lease, state: 'dead', reason: step.reason };
      case 'retry':
        metrics.failed.inc({ platform, reason: step.reason });
        await this.retryLater(row, step.delayMs, step.reason);
        return undefined;
    }
  }
}

/**
 * The rows of a batch to send, each with its notification, and those finished
 * without a send: a kind this version does not push, and of several rows for
 * one device and collapse key all but the newest, which replaces them on the device anyway.
 */
function collapse(rows: readonly LeasedPush[]): { sends: Array<{ row: LeasedPush; notification: PushNotification }>; skipped: Finished[] } {
  const skipped: Finished[] = [];
  const newest = new Map<string, { row: LeasedPush; notification: PushNotification }>();
  for (const row of rows) {
    const lease = { id: row.id, attempts: row.attempts };
    const notification = notificationFor(row, row.recipient);
    if (!notification) {
      skipped.push({ ...lease, state: 'skipped', reason: 'unknown-kind' });
      continue;
    }
    const key = `${row.userId}/${row.deviceId}/${notification.collapseKey}`;
    const seen = newest.get(key);
    if (seen && Number(seen.row.id) > Number(row.id)) {
      skipped.push({ ...lease, state: 'skipped', reason: 'collapsed' });
      continue;
    }
    if (seen) skipped.push({ id: seen.row.id, attempts: seen.row.attempts, state: 'skipped', reason: 'collapsed' });
    newest.set(key, { row, notification });
  }
  return { sends: [...newest.values()], skipped };
}
