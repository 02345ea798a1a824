import { connect, NatsError, nanos, type JetStreamClient, type NatsConnection, type PubAck } from 'nats';
import type { Logger } from '../logger';
import { withoutCredentials, type DomainEventsConfig } from './natsConfig';

/** How long a publish waits for its PubAck before it counts as failed (and is tried again later). */
const PUBLISH_TIMEOUT_MS = 5_000;
/** The wait between attempts to reach NATS or create the stream. */
const RETRY_MS = 1_000;

/** Why a publish failed, as the metrics' `reason` label says it. */
export function publishFailureReason(error: unknown): string {
  if (error instanceof NatsError) {
    if (error.code === '503') return 'no-stream';
    if (error.code === 'TIMEOUT') return 'timeout';
    if (error.code === 'CONNECTION_CLOSED' || error.code === 'DISCONNECT' || error.code === 'CONNECTION_DRAINING') return 'disconnected';
    if (error.isJetStreamError()) return 'jetstream';
    return 'nats';
  }
  return 'internal';
}

/**
 * This node's connection to NATS and its JetStream stream. Connecting and
 * creating the stream go on in the background until they succeed: NATS down is
 * a state (`ready()` false, reported by the caller), never a failed boot.
 */
export class NatsLink {
  private connection: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private streamReady = false;
  private connected = false;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly config: DomainEventsConfig,
    private readonly logger: Logger,
    private readonly onChange: (up: boolean) => void,
  ) {}

  /** True when a publish can be tried: connected, and the stream is there. */
  ready(): boolean {
    return this.connected && this.streamReady && this.js !== undefined;
  }

  start(): void {
    this.running ??= this.connectAndWatch().catch((error: unknown) => this.logger.error({ err: error }, 'the NATS connection loop stopped'));
  }

  /** Publishes with `msgID` as Nats-Msg-Id, so JetStream keeps one copy of a repeat within its duplicate window. */
  async publish(subject: string, body: Uint8Array, msgID: string): Promise<PubAck> {
    if (!this.js) throw new NatsError('not connected', 'DISCONNECT');
    return this.js.publish(subject, body, { msgID, timeout: PUBLISH_TIMEOUT_MS });
  }

  /** A publish failed as if the stream were gone (deleted under us): check it again before the next publish. */
  recheckStream(): void {
    if (!this.streamReady) return;
    this.streamReady = false;
    this.report();
    void this.ensureStreamUntilReady();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const connection = this.connection;
    this.connection = undefined;
    this.js = undefined;
    if (connection) await connection.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing the NATS connection failed'));
    await this.running;
  }

  private async connectAndWatch(): Promise<void> {
    while (!this.stopped && !this.connection) {
      try {
        // Reconnects forever once connected; the first connection is retried here.
        this.connection = await connect({
          servers: [...this.config.servers],
          name: 'kismet',
          maxReconnectAttempts: -1,
          reconnectTimeWait: RETRY_MS,
          timeout: RETRY_MS * 2,
          // Without it every publish captures two stacks (its request, its timeout) just in case
          // it fails: about a tenth of a busy node's CPU at 5,000 events a second. Failures are
          // told apart by their codes, never their stacks.
          noAsyncTraces: true,
        });
      } catch (error) {
        this.logger.debug({ err: error }, 'NATS is not reachable yet');
        await sleep(RETRY_MS);
      }
    }
    const connection = this.connection;
    if (!connection || this.stopped) {
      await connection?.close();
      return;
    }
    this.js = connection.jetstream();
    this.connected = true;
    this.logger.info({ servers: this.config.servers.map(withoutCredentials) }, 'connected to NATS');
    void this.ensureStreamUntilReady();
    const statuses = connection.status();
    const watching = (async () => {
      for await (const status of statuses) {
        if (status.type === 'disconnect') this.connected = false;
        else if (status.type === 'reconnect') {
          this.connected = true;
          // A NATS restarted without its store lost the stream: make it again.
          this.streamReady = false;
          void this.ensureStreamUntilReady();
        }
        this.report();
      }
    })();
    // The client never ends a status iterator when its connection closes (nats 2.29): the
    // watch ends with the connection, or a node publishing events would never finish stopping.
    await Promise.race([watching, connection.closed()]);
    this.connected = false;
    this.report();
  }

  private ensuring = false;

  private async ensureStreamUntilReady(): Promise<void> {
    if (this.ensuring) return;
    this.ensuring = true;
    try {
      while (!this.stopped && !this.streamReady && this.connection) {
        try {
          await this.ensureStream(this.connection);
          this.streamReady = true;
        } catch (error) {
          this.logger.warn({ err: error, stream: this.config.stream }, 'could not find or create the JetStream stream; trying again');
          await sleep(RETRY_MS);
        }
      }
    } finally {
      this.ensuring = false;
      this.report();
    }
  }

  /** Creates the stream if missing; an existing one gets this node's subjects added if it lacks them. */
  private async ensureStream(connection: NatsConnection): Promise<void> {
    const jsm = await connection.jetstreamManager();
    const subject = `${this.config.subjectPrefix}.>`;
    try {
      const info = await jsm.streams.info(this.config.stream);
      if (!info.config.subjects?.includes(subject)) {
        await jsm.streams.update(this.config.stream, { subjects: [...(info.config.subjects ?? []), subject] });
        this.logger.info({ stream: this.config.stream, subject }, 'added the domain event subjects to the stream');
      }
    } catch (error) {
      if (!(error instanceof NatsError && error.api_error?.err_code === STREAM_NOT_FOUND)) throw error;
      await jsm.streams.add({
        name: this.config.stream,
        subjects: [subject],
        duplicate_window: nanos(this.config.duplicateWindowMs),
        max_age: nanos(this.config.maxAgeMs),
      });
      this.logger.info({ stream: this.config.stream, subject }, 'created the JetStream stream');
    }
  }

  private lastReported: boolean | undefined;

  private report(): void {
    // A node stopping closes its own connection: nothing to report as lost.
    if (this.stopped) return;
    const up = this.ready();
    if (up === this.lastReported) return;
    this.lastReported = up;
    this.onChange(up);
  }
}

/** JetStream's error code for "stream not found". */
const STREAM_NOT_FOUND = 10059;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
