import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus figures one node exposes on /metrics. */
export class NodeMetrics {
  readonly registry = new Registry();

  readonly connections = new Gauge({
    name: 'kismet_connections',
    help: 'WebSocket clients joined to actors on this node',
    registers: [this.registry],
  });

  readonly rooms = new Gauge({
    name: 'kismet_rooms',
    help: 'Live actors on this node, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly actorCreationsDiscarded = new Counter({
    name: 'kismet_actor_creations_discarded_total',
    help: 'Actors created on this node and disposed before they were ever listed, by kind: another join created the same actor first, or the creation failed',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly messagesIn = new Counter({
    name: 'kismet_messages_in_total',
    help: 'Client messages received by actors, by kind and type',
    labelNames: ['kind', 'type'] as const,
    registers: [this.registry],
  });

  readonly messagesOut = new Counter({
    name: 'kismet_messages_out_total',
    help: 'Messages sent by actors to clients, by kind and type',
    labelNames: ['kind', 'type'] as const,
    registers: [this.registry],
  });

  readonly undecodableFrames = new Counter({
    name: 'kismet_undecodable_frames_total',
    help: 'Client frames whose payload could not be decoded (the connection is closed)',
    registers: [this.registry],
  });

  readonly messagesOverPace = new Counter({
    name: 'kismet_messages_over_pace_total',
    help: 'Client messages over their connection\'s rate (CONNECTION_MESSAGE_*), by actor kind and outcome: refused (RATE_LIMITED, the handler not run) or closed (the connection closed with 4429)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'kismet_errors_total',
    help: 'Errors answered to clients, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly commandLatency = new Histogram({
    name: 'kismet_command_duration_seconds',
    help: 'Time from a command arriving to its reply, by kind and type',
    labelNames: ['kind', 'type'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly retentionRuns = new Counter({
    name: 'kismet_retention_runs_total',
    help: 'Rounds of the stored-event pruning job on this node: pruned (this node ran it) or busy (another node was running it)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly storedEventsPruned = new Counter({
    name: 'kismet_stored_events_pruned_total',
    help: 'Delivered stored events older than the retention age deleted by this node',
    registers: [this.registry],
  });

  readonly chatMessagesStored = new Counter({
    name: 'kismet_chat_messages_stored_total',
    help: 'Chat messages stored (and then acknowledged) by thread actors on this node',
    registers: [this.registry],
  });

  readonly messageFlushThreads = new Histogram({
    name: 'kismet_chat_flush_threads',
    help: 'Threads whose messages shared one statement and commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 100],
    registers: [this.registry],
  });

  readonly eventLoopLag = new Gauge({
    name: 'kismet_event_loop_lag_seconds',
    help: 'Event-loop delay, 99th percentile over the last second',
    registers: [this.registry],
  });

  readonly callsStarted = new Counter({
    name: 'kismet_calls_started_total',
    help: 'Calls that started ringing through this node',
    registers: [this.registry],
  });

  readonly callsEnded = new Counter({
    name: 'kismet_calls_ended_total',
    help: 'Calls this node saw end, by final state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly silentNodeSweeps = new Counter({
    name: 'kismet_silent_node_sweeps_total',
    help: 'Nodes nobody heard any more whose listings a join removed once their lease lapsed',
    registers: [this.registry],
  });

  readonly remoteSeats = new Counter({
    name: 'kismet_remote_seats_total',
    help: 'Seats this node asked another node for (with the creation of the actor, or in one it lists), by outcome: seated, elsewhere (another node created the actor first), refused, failed, unanswered',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly shed = new Counter({
    name: 'kismet_shed_total',
    help: 'Sheddable traffic dropped because the node fell behind, by kind',
    labelNames: ['traffic'] as const,
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'kismet_http_requests_total',
    help: 'HTTP requests answered by Kismet routes (matchmaking included), by route pattern and status',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpLatency = new Histogram({
    name: 'kismet_http_request_duration_seconds',
    help: 'Time from an HTTP request arriving to its answer, by route pattern',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** An HTTP answer, counted by its route's pattern (never its path, so the labels stay few). */
  readonly httpAnswered = (route: string, status: number, seconds: number): void => {
    this.httpRequests.inc({ route, status: String(status) });
    this.httpLatency.observe({ route }, seconds);
  };

  readonly dependencyUp = new Gauge({
    name: 'kismet_dependency_up',
    help: 'Whether this node reaches a dependency now (1) or not (0): postgres, redis, nats (with NATS_URL)',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  readonly dependencyErrors = new Counter({
    name: 'kismet_dependency_errors_total',
    help: 'Errors of connections to a dependency (dropped, refused, timed out), by dependency',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  readonly fenced = new Gauge({
    name: 'kismet_fenced',
    help: '1 while this node is cut off from the cluster and serves no actor, else 0',
    registers: [this.registry],
  });

  readonly fences = new Counter({
    name: 'kismet_fences_total',
    help: 'Times this node fenced itself off (lost Redis for 1¼ STALE_NODE_TIMEOUT_MS)',
    registers: [this.registry],
  });

  readonly unhandledRejections = new Counter({
    name: 'kismet_unhandled_rejections_total',
    help: 'Promise rejections nothing handled (logged; the process goes on)',
    registers: [this.registry],
  });

  constructor(nodeLabels: Record<string, string>) {
    this.registry.setDefaultLabels(nodeLabels);
    collectDefaultMetrics({ register: this.registry, prefix: 'kismet_process_' });
    for (const kind of ['session', 'chat', 'cell', 'event']) {
      this.rooms.set({ kind }, 0);
      this.actorCreationsDiscarded.inc({ kind }, 0);
    }
    for (const outcome of ['seated', 'elsewhere', 'refused', 'failed', 'unanswered']) this.remoteSeats.inc({ outcome }, 0);
  }
}
