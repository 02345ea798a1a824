import type { Kysely } from 'kysely';
import { deleteGonePushTarget } from '../../db/repositories/pushTargetRepository';
import {
  finishPushes,
  leaseDuePushes,
  retryPushLater,
  type FinishedState,
  type LeasedPush,
} from '../../db/repositories/pushOutboxRepository';
import type { Database } from '../../db/types';
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

type Finished = { id: string; state: FinishedState; reason: string | null };

/**
 * The outbox's worker on this node (one per node; any number of nodes): leases
 * due rows, delivers each to its device through the platform's provider, and
 * marks it done, retries it later with backoff, deletes a gone target, or
 * dead-letters it after the last attempt. At least once: a worker killed
 * mid-delivery leaves its rows leased until the lease runs out, and another
 * sends them again with the same id and collapse key.
 */
export class PushOutboxWorker {
  private readonly upkeep: OutboxUpkeep;
  private inFlight = 0;
  private readonly rounds = new Set<Promise<void>>();
  private hearing = false;

  constructor(
    private readonly deps: PushOutboxDeps,
    private readonly options: PushOutboxOptions = DEFAULT_PUSH_OUTBOX_OPTIONS,
  ) {
    this.upkeep = new OutboxUpkeep(deps.db, 'push_outbox', options.retentionMs, deps.metrics);
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
    const round = this.deliverRows(rows)
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'push outbox round failed; its rows are due again when their leases end'))
      .finally(() => {
        this.inFlight -= rows.length;
        this.rounds.delete(round);
        this.upkeep.wake();
      });
    this.rounds.add(round);
    return rows.length;
  }

  private async deliverRows(rows: readonly LeasedPush[]): Promise<void> {
    if (rows.length === 0) return;
    const finished: Finished[] = [];
    // Of several rows for one device and collapse key in a batch, the newest replaces the others on the device anyway.
    const newest = new Map<string, LeasedPush>();
    const notifications = new Map<LeasedPush, NonNullable<ReturnType<typeof notificationFor>>>();
    for (const row of rows) {
      const notification = notificationFor(row, row.recipient);
      if (!notification) {
        finished.push({ id: row.id, state: 'skipped', reason: 'unknown-kind' });
        continue;
      }
      notifications.set(row, notification);
      const key = `${row.userId}/${row.deviceId}/${notification.collapseKey}`;
      const seen = newest.get(key);
      if (seen && Number(seen.id) > Number(row.id)) {
        finished.push({ id: row.id, state: 'skipped', reason: 'collapsed' });
        continue;
      }
      if (seen) finished.push({ id: seen.id, state: 'skipped', reason: 'collapsed' });
      newest.set(key, row);
    }
    this.deps.metrics.inFlight.inc(newest.size);
    await Promise.all([...newest.values()].map(async (row) => {
      try {
        const result = await this.deliver(row, notifications.get(row)!);
        if (result) finished.push(result);
      } catch (error) {
        // Presence or the database failed for this row: it waits, and the others of the batch finish.
        this.deps.logger.warn({ err: error, outboxId: row.id }, 'push delivery failed; retrying the row later');
        await retryPushLater(this.deps.db, row.id, FAILED_ROUND_RETRY_MS, 'retry/internal').catch((e: unknown) =>
          this.deps.logger.warn({ err: e, outboxId: row.id }, 'could not reschedule the push; due again when its lease ends'),
        );
      } finally {
        this.deps.metrics.inFlight.dec();
      }
    }));
    for (const f of finished) if (f.state === 'skipped') this.deps.metrics.skipped.inc({ reason: f.reason ?? 'unknown' });
    await finishPushes(this.deps.db, finished);
  }

  /** Sends one row; what finished it, or undefined when it waits for another attempt. */
  private async deliver(row: LeasedPush, notification: NonNullable<ReturnType<typeof notificationFor>>): Promise<Finished | undefined> {
    const { metrics } = this.deps;
    if (row.withheld) return { id: row.id, state: 'skipped', reason: 'withheld' };
    if (!row.target) return { id: row.id, state: 'skipped', reason: 'no-target' };
    if (await this.deps.isConnected(row.userId, row.deviceId)) return { id: row.id, state: 'skipped', reason: 'connected' };
    const platform = row.target.platform;
    const sending = sendThrough(this.deps.providers, row.target, notification);
    if (!sending) return { id: row.id, state: 'dead', reason: 'platform-disabled' };
    const outcome = await sending;
    const step = nextOutboxStep(outcome, row.attempts, this.options.maxAttempts, (this.deps.random ?? Math.random)());
    switch (step.kind) {
      case 'done':
        metrics.sent.inc({ platform });
        metrics.latency.observe({ platform }, Math.max(0, Date.now() - row.createdAtMs) / 1000);
        return { id: row.id, state: 'done', reason: null };
      case 'drop-target':
        metrics.failed.inc({ platform, reason: step.reason });
        metrics.targetsRemoved.inc({ platform });
        await deleteGonePushTarget(this.deps.db, row.userId, row.deviceId, row.target);
        return { id: row.id, state: 'dead', reason: step.reason };
      case 'dead':
        metrics.failed.inc({ platform, reason: step.reason });
        metrics.dead.inc({ platform, reason: step.reason });
        this.deps.logger.warn({ outboxId: row.id, userId: row.userId, platform, reason: step.reason, detail: 'detail' in outcome ? outcome.detail : undefined }, 'push dead-lettered');
        return { id: row.id, state: 'dead', reason: step.reason };
      case 'retry':
        metrics.failed.inc({ platform, reason: step.reason });
        await retryPushLater(this.deps.db, row.id, step.delayMs, step.reason);
        return undefined;
    }
  }
}
