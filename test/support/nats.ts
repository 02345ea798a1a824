import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { connect, type NatsConnection } from 'nats';
import type { Pool } from 'pg';
import type { DomainEvent } from '../../domain/domainEvents';
import { waitUntil } from './accounts';

/** The NATS the suites publish to: NATS_URL, or the machine's own on 4222. */
export const TEST_NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

/** A domain event as a stream holds it: its subject, its message id header and its body. */
export interface StreamedEvent {
  readonly seq: number;
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly event: DomainEvent;
}

/** A stream of a suite's own (random name and subject prefix, deleted after), and the env that points nodes at it. */
export interface TestStream {
  readonly name: string;
  readonly prefix: string;
  /** NATS_URL, NATS_STREAM, NATS_SUBJECT_PREFIX for a node publishing to this stream. */
  readonly env: Record<string, string>;
  readonly port: number;
  /** Every message the stream holds, in order. */
  messages(): Promise<StreamedEvent[]>;
  /** Waits until the stream holds at least `count` messages (or the predicate holds), then returns them. */
  waitFor(predicate: (events: StreamedEvent[]) => boolean, ms?: number, what?: string): Promise<StreamedEvent[]>;
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 4222), hostname, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Skips the test's suite without NATS (fails it under CI=true); true when NATS answers. */
export async function natsOrSkip(context: Mocha.Context): Promise<boolean> {
  if (await reachable(TEST_NATS_URL)) return true;
  const reason = `needs NATS with JetStream at ${TEST_NATS_URL} (set NATS_URL)`;
  if (process.env['CI'] === 'true') throw new Error(`CI: ${reason}`);
  process.stdout.write(`      skipped: ${reason}\n`);
  context.skip();
  return false;
}

/** The names of the streams NATS holds now. */
export async function streamNames(): Promise<string[]> {
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    const jsm = await nc.jetstreamManager();
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    return names;
  } finally {
    await nc.close();
  }
}

/**
 * Registers the suite's hooks for a stream of its own on the test NATS. `env`
 * is filled in a `before` hook registered here, so register this before the
 * nodes' hooks. Without NATS the suite is skipped, except under CI=true, where it fails.
 */
export function useNatsStream(): TestStream {
  const suffix = randomBytes(4).toString('hex');
  const name = `KISMET_TEST_${suffix}`;
  const prefix = `kismet-test-${suffix}`;
  const env: Record<string, string> = {};
  let nc: NatsConnection | undefined;
  const url = new URL(TEST_NATS_URL);
  before(async function () {
    if (!(await natsOrSkip(this))) return;
    nc = await connect({ servers: TEST_NATS_URL });
    Object.assign(env, { NATS_URL: TEST_NATS_URL, NATS_STREAM: name, NATS_SUBJECT_PREFIX: prefix });
  });
  after(async () => {
    if (!nc) return;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(name).catch((error: unknown) => {
      // A suite whose nodes never created the stream leaves nothing to delete.
      if (!String(error).includes('stream not found')) throw error;
    });
    await nc.close();
  });
  const stream: TestStream = {
    name,
    prefix,
    env,
    port: Number(url.port || 4222),
    async messages() {
      if (!nc) throw new Error('not connected to NATS');
      const jsm = await nc.jetstreamManager();
      let info;
      try {
        info = await jsm.streams.info(name);
      } catch {
        return [];
      }
      const out: StreamedEvent[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(name, { seq });
        out.push({ seq, subject: m.subject, msgId: m.header.get('Nats-Msg-Id') || undefined, event: m.json<DomainEvent>() });
      }
      return out;
    },
    async waitFor(predicate, ms = 20_000, what = 'the stream to hold the events') {
      let last: StreamedEvent[] = [];
      await waitUntil(async () => predicate((last = await stream.messages())), ms, () => `${what} (${last.length} messages: ${last.map((m) => m.event.type).join(', ')})`);
      return last;
    },
  };
  return stream;
}

/** The events of one type, optionally about one id in their data. */
export function eventsOfType(events: readonly StreamedEvent[], type: string, where: (data: Record<string, unknown>) => boolean = () => true): StreamedEvent[] {
  return events.filter((m) => m.event.type === type && where(m.event.data as unknown as Record<string, unknown>));
}

/** Waits until no domain outbox row is pending: every event was published. */
export async function outboxPublished(pool: Pool, ms = 30_000): Promise<void> {
  await waitUntil(async () => {
    const pending = await pool.query<{ n: string }>("select count(*) as n from domain_event_outbox where state = 'pending'");
    return Number(pending.rows[0]!.n) === 0;
  }, ms, () => 'every domain outbox row published');
}
