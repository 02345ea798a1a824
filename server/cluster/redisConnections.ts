import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';
import type { NodeMetrics } from '../metrics';

/** A failing connection's errors are logged as warnings at most this often. */
const WARN_EVERY_MS = 10_000;

/** The longest pause between two attempts to reconnect. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/** Reconnection backoff: 100 ms, 200 ms, 400 ms, ... up to a second, for as long as it takes. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS);
}

export interface RedisClientOptions {
  /**
   * Keep commands issued while disconnected, to send when the connection is back
   * (what Colyseus's presence expects), and resend the unanswered ones. Off, a
   * command fails at once while Redis is away and never runs late: a listing
   * write or a rate-limit take must not land after the cluster moved on.
   */
  readonly queueWhileDisconnected: boolean;
}

/** How every connection of a node talks to Redis: bounded timeouts, a capped backoff, one write per turn. */
export function redisClientSettings(timeoutMs: number, options: RedisClientOptions): RedisOptions {
  return {
    // ioredis 5.11 sends CLIENT SETINFO after connecting and, on a connection without a
    // ready check (the presence's subscriber), declares the connection ready when those
    // settle, even if it closed meanwhile: the client then stays "ready" on a dead socket
    // and never reconnects (seen with a proxy that accepts and then drops the connection).
    disableClientInfo: true,
    maxRetriesPerRequest: 1,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    enableOfflineQueue: options.queueWhileDisconnected,
    autoResendUnfulfilledCommands: options.queueWhileDisconnected,
    retryStrategy: reconnectDelayMs,
    // Commands issued in one turn of the event loop leave in one socket write: a join's
    // presence, listing and rate-limit commands were a system call each.
    enableAutoPipelining: true,
  };
}

/**
 * Every Redis connection of a node: made with bounded timeouts and a capped
 * reconnection backoff, and watched. Errors and unasked closes go to the node's
 * JSON log (the first of an outage as a warning, the rest at debug level) and to
 * `kismet_dependency_errors_total`; without a listener ioredis would print
 * "[ioredis] Unhandled error event" lines on stderr.
 */
export class RedisConnections {
  private readonly clients = new Map<Redis, { role: string; failing: boolean }>();
  /** Runs when a connection closes unasked. */
  onDisconnected: (role: string) => void = () => undefined;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly metrics: NodeMetrics,
  ) {}

  /** A new connection for one role (`presence`, `driver`, `rateLimits`, ...). */
  open(role: string, options: RedisClientOptions): Redis {
    const client = new Redis(this.url, redisClientSettings(this.timeoutMs, options));
    this.watch(client, role);
    return client;
  }

  /** Watches a connection made elsewhere (the presence's subscriber, a duplicate of its publisher). */
  watch(client: Redis, role: string): void {
    const state = { role, failing: false };
    this.clients.set(client, state);
    // A connection that flaps (accepted, then dropped, by a proxy in front of a Redis
    // that is away) warns once every WARN_EVERY_MS; the rest goes to debug.
    let lastWarnAt = 0;
    const report = (details: object, message: string) => {
      state.failing = true;
      const now = Date.now();
      if (now - lastWarnAt < WARN_EVERY_MS) return this.logger.debug({ ...details, role }, message);
      lastWarnAt = now;
      this.logger.warn({ ...details, role }, message);
    };
    client.on('error', (error: Error) => {
      this.metrics.dependencyErrors.inc({ dependency: 'redis' });
      report({ err: error }, 'redis connection failed; reconnecting with backoff');
    });
    client.on('close', () => {
      if (this.clients.has(client)) {
        // A connection Redis closed (CLIENT KILL, a restart, a proxy) emits no error of its own.
        this.metrics.dependencyErrors.inc({ dependency: 'redis' });
        if (!state.failing) report({}, 'redis connection closed; reconnecting with backoff');
      }
      this.onDisconnected(role);
    });
    client.on('ready', () => {
      if (!state.failing) return;
      state.failing = false;
      this.logger.info({ role }, 'redis connection is back');
    });
  }

  /** True while every connection is up. */
  get up(): boolean {
    for (const client of this.clients.keys()) if (client.status !== 'ready') return false;
    return true;
  }

  /** Resolves once every connection is ready, however many attempts it takes; rejects after `ms`. */
  async ready(ms: number): Promise<void> {
    const waiting = [...this.clients.keys()].filter((c) => c.status !== 'ready');
    await Promise.all(
      waiting.map(
        (client) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => {
              client.off('ready', onReady);
              reject(new Error(`Redis at ${new URL(this.url).host} did not answer within ${ms} ms`));
            }, ms);
            const onReady = () => {
              clearTimeout(timer);
              resolve();
            };
            client.once('ready', onReady);
          }),
      ),
    );
  }

  /** Closes every connection (they no longer reconnect, and their closing is no outage). */
  async quitAll(): Promise<void> {
    const clients = [...this.clients.keys()];
    this.clients.clear();
    await Promise.all(
      clients.map((client) =>
        client.quit().catch((error: unknown) => {
          this.logger.debug({ err: error }, 'redis connection closed uncleanly at shutdown');
          client.disconnect();
        }),
      ),
    );
  }
}
