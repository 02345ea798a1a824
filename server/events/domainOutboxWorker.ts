import type { Kysely } from 'kysely';
import {
  finishDomainEvents,
  leaseDueDomainEvents,
  retryDomainEventsLater,
  type LeasedDomainEvent,
} from '../../db/repositories/domainOutboxRepository';
import type { Database } from '../../db/types';
import { DOMAIN_PUBLISH_BACKOFF, domainEventEnvelope, domainEventSubject, domainPublishRetryDelayMs } from '../../domain/domainEvents';
import type { Logger } from '../logger';
import { OutboxUpkeep } from '../outboxUpkeep';
import type { DomainEventMetrics } from './domainEventMetrics';

/** Where the worker publishes: the bus, as far as the worker needs it (server/events/natsLink.ts). */
export interface DomainEventBus {
  /** False while the bus cannot be reached: nothing is leased meanwhile, so no attempt is spent. */
  ready(): boolean;
  /** Resolves once the bus stored the event (`duplicate`: it held that id already). */
  publish(subject: string, body: Uint8Array, id: string): Promise<{ readonly duplicate: boolean }>;
  /** Why a publish failed, for the metrics; `recheck` when the bus should be looked at again. */
  classify(error: unknown): { readonly reason: string; readonly recheck: boolean };
  recheck(): void;
}

export interface DomainOutboxOptions {
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly idlePollMs: number;
  readonly retentionMs: number;
  readonly subjectPrefix: string;
}

export const DEFAULT_DOMAIN_OUTBOX_OPTIONS: Omit<DomainOutboxOptions, 'subjectPrefix' | 'leaseMs' | 'retentionMs'> = { batchSize: 256, idlePollMs: 100 };


export interface DomainOutboxDeps {
  readonly db: Kysely<Database>;
  readonly bus: DomainEventBus;
  readonly metrics: DomainEventMetrics;
  readonly logger: Logger;
  readonly random?: () => number;
}

/**
 * The domain event outbox's worker on this node (any number of nodes): leases
 * due rows, publishes each with its id as the message id, and marks it done once
 * JetStream acknowledged it; a failed publish is tried again later, with backoff.
 * At least once into the bus, exactly once in the stream: a node killed between
 * the publish and marking the row done leaves it leased until the lease ends,
 * and the repeat another node publishes carries the same id, which JetStream
 * drops within its duplicate window.
 */
export class DomainOutboxWorker {
  private readonly upkeep: OutboxUpkeep;
  /** The last publish error, logged with its round. */
  private lastError: unknown;

  constructor(
    private readonly deps: DomainOutboxDeps,
    private readonly options: DomainOutboxOptions,
  ) {
    this.upkeep = new OutboxUpkeep(deps.db, 'domain_event_outbox', options.retentionMs, deps.metrics);
  }

  start(): void {
    this.upkeep.start(
      async () => (this.deps.bus.ready() ? await this.publishRound() : 0) >= this.options.batchSize,
      this.options.idlePollMs,
      (error) => {
        this.deps.metrics.failures.inc({ reason: 'internal' });
        this.deps.logger.warn({ err: error }, 'domain event round failed; its rows are due again when their leases end');
      },
    );
  }

  stop(): Promise<void> {
    return this.upkeep.stop();
  }

  /** Leases a batch and publishes it; the number of rows leased. */
  private async publishRound(): Promise<number> {
    const rows = await leaseDueDomainEvents(this.deps.db, this.options.batchSize, this.options.leaseMs);
    if (rows.length === 0) return 0;
    const done: Array<{ id: string; state: 'done'; reason: null }> = [];
    const retry: Array<{ id: string; delayMs: number; reason: string }> = [];
    const random = this.deps.random ?? Math.random;
    // Published in lease order on one connection, so a thread's messages reach the stream in order.
    await Promise.all(rows.map(async (row) => {
      const outcome = await this.publishOne(row);
      if (outcome === 'done') done.push({ id: row.id, state: 'done', reason: null });
      else retry.push({ id: row.id, delayMs: outcome === 'unknown-type' ? DOMAIN_PUBLISH_BACKOFF.maxMs : domainPublishRetryDelayMs(row.attempts, random()), reason: outcome });
    }));
    await finishDomainEvents(this.deps.db, done);
    await retryDomainEventsLater(this.deps.db, retry);
    // One line per round, not per row: NATS going away fails a whole batch at once.
    if (retry.length > 0) this.deps.logger.warn({ err: this.lastError, failed: retry.length, reasons: [...new Set(retry.map((r) => r.reason))] }, 'publishing domain events failed; trying them again later');
    return rows.length;
  }

  /** 'done', or why the row waits for another attempt. */
  private async publishOne(row: LeasedDomainEvent): Promise<'done' | string> {
    const { bus, metrics } = this.deps;
    const event = domainEventEnvelope(row);
    if (!event) {
      // Written by a newer node during a rolling upgrade: left for a node that knows the type.
      metrics.failures.inc({ reason: 'unknown-type' });
      return 'unknown-type';
    }
    try {
      const ack = await bus.publish(domainEventSubject(this.options.subjectPrefix, event.type), Buffer.from(JSON.stringify(event)), event.id);
      metrics.published.inc({ type: event.type });
      if (ack.duplicate) metrics.duplicates.inc({ type: event.type });
      return 'done';
    } catch (error) {
      const failure = bus.classify(error);
      metrics.failures.inc({ reason: failure.reason });
      if (failure.recheck) bus.recheck();
      this.lastError = error;
      return failure.reason;
    }
  }
}
