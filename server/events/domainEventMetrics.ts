import { Counter, Gauge, type Registry } from 'prom-client';

/** The domain event outbox's figures, on the node's /metrics. */
export class DomainEventMetrics {
  readonly published: Counter<'type'>;
  readonly duplicates: Counter<'type'>;
  readonly failures: Counter<'reason'>;
  readonly depth: Gauge;
  readonly oldestAge: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.published = new Counter({ name: 'kismet_domain_events_published_total', help: 'Domain events JetStream acknowledged, by type', labelNames: ['type'], registers });
    this.duplicates = new Counter({
      name: 'kismet_domain_events_duplicates_total',
      help: 'Publishes JetStream acknowledged as a repeat of a message id it already held (a retried event), by type',
      labelNames: ['type'],
      registers,
    });
    this.failures = new Counter({
      name: 'kismet_domain_events_publish_failures_total',
      help: 'Publishes of domain events that failed and wait to be tried again, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.depth = new Gauge({ name: 'kismet_domain_event_outbox_depth', help: 'Domain events waiting in the outbox (cluster-wide)', registers });
    this.oldestAge = new Gauge({ name: 'kismet_domain_event_outbox_oldest_age_seconds', help: 'Age of the oldest domain event waiting', registers });
  }
}
