import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The push outbox's figures, on the node's /metrics. */
export class PushMetrics {
  readonly sent: Counter<'platform'>;
  readonly failed: Counter<'platform' | 'reason'>;
  readonly dead: Counter<'platform' | 'reason'>;
  readonly skipped: Counter<'reason'>;
  readonly targetsRemoved: Counter<'platform'>;
  readonly depth: Gauge;
  readonly inFlight: Gauge;
  readonly oldestAge: Gauge;
  readonly latency: Histogram<'platform'>;
  readonly hearing: Gauge;
  readonly listens: Counter;
  readonly leasesLost: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.sent = new Counter({ name: 'kismet_push_sent_total', help: 'Pushes a provider accepted, by platform', labelNames: ['platform'], registers });
    this.failed = new Counter({
      name: 'kismet_push_failed_total',
      help: 'Push attempts that did not deliver (retried, target gone or dead-lettered), by platform and reason',
      labelNames: ['platform', 'reason'],
      registers,
    });
    this.dead = new Counter({ name: 'kismet_push_dead_total', help: 'Pushes dead-lettered, by platform and reason', labelNames: ['platform', 'reason'], registers });
    this.skipped = new Counter({
      name: 'kismet_push_skipped_total',
      help: 'Outbox rows finished without a send: device connected, no target, withheld, collapsed into a newer one',
      labelNames: ['reason'],
      registers,
    });
    this.targetsRemoved = new Counter({ name: 'kismet_push_targets_gone_total', help: 'Push targets deleted because the provider said they are gone', labelNames: ['platform'], registers });
    this.depth = new Gauge({ name: 'kismet_push_outbox_depth', help: 'Pushes waiting in the outbox (cluster-wide)', registers });
    this.inFlight = new Gauge({ name: 'kismet_push_in_flight', help: 'Pushes this node leased and is sending now', registers });
    this.oldestAge = new Gauge({ name: 'kismet_push_outbox_oldest_age_seconds', help: 'Age of the oldest waiting push', registers });
    this.hearing = new Gauge({ name: 'kismet_push_outbox_notifications_heard', help: '1 while this node hears the notifications of rows added to the push outbox; 0 while it reads the outbox every 100 ms instead', registers });
    this.listens = new Counter({ name: 'kismet_push_outbox_listens_total', help: 'Times this node began hearing the push outbox notifications (its start, and each reconnection after Postgres restarted)', registers });
    this.leasesLost = new Counter({
      name: 'kismet_push_leases_lost_total',
      help: 'Outbox rows whose lease ran out before this node wrote their outcome, and which another worker had taken: the write was dropped',
      registers,
    });
    this.latency = new Histogram({
      name: 'kismet_push_event_to_provider_seconds',
      help: 'From the event being stored to the provider accepting its push, by platform',
      labelNames: ['platform'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
  }
}
