import type { Kysely } from 'kysely';
import type { Database } from '../../db/types';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { NodeMetrics } from '../metrics';
import { DomainEventMetrics } from './domainEventMetrics';
import { DEFAULT_DOMAIN_OUTBOX_OPTIONS, DomainOutboxWorker } from './domainOutboxWorker';
import { NatsLink, publishFailureReason } from './natsLink';

/** A node's part in domain events: its NATS link and the outbox worker. */
export interface NodeDomainEvents {
  /** Connects to NATS in the background and starts publishing once the stream is there. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * The node's domain event publisher, or undefined when NATS_URL is unset (the
 * node then writes no domain outbox rows either: see db/database.ts). NATS
 * down shows as `kismet_dependency_up{dependency="nats"} 0` and a growing
 * outbox; users' commands never wait on it, so /readyz does not include it.
 */
export function createNodeDomainEvents(input: {
  readonly config: Config;
  readonly db: Kysely<Database>;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
}): NodeDomainEvents | undefined {
  const settings = input.config.domainEvents;
  if (!settings) return undefined;
  const logger = input.logger.child({ component: 'domain-events' });
  input.metrics.dependencyUp.set({ dependency: 'nats' }, 0);
  const link = new NatsLink(settings, logger, (up) => {
    input.metrics.dependencyUp.set({ dependency: 'nats' }, up ? 1 : 0);
    if (up) logger.info({ stream: settings.stream }, 'publishing domain events');
    else logger.warn({ stream: settings.stream }, 'NATS or its stream is unavailable; domain events wait in the outbox');
  });
  const worker = new DomainOutboxWorker(
    {
      db: input.db,
      bus: {
        ready: () => link.ready(),
        publish: async (subject, body, id) => ({ duplicate: (await link.publish(subject, body, id)).duplicate }),
        classify: (error) => {
          const reason = publishFailureReason(error);
          return { reason, recheck: reason === 'no-stream' };
        },
        recheck: () => link.recheckStream(),
      },
      metrics: new DomainEventMetrics(input.metrics.registry),
      logger,
    },
    { ...DEFAULT_DOMAIN_OUTBOX_OPTIONS, leaseMs: settings.leaseMs, retentionMs: settings.retentionMs, subjectPrefix: settings.subjectPrefix },
  );
  return {
    start() {
      link.start();
      worker.start();
    },
    async stop() {
      await worker.stop();
      await link.stop();
    },
  };
}
