import { randomBytes } from 'node:crypto';
import { connect, type JetStreamManager } from 'nats';
import { Client as PgClient } from 'pg';
import { onCleanup } from './cleanup';
import { sleep } from './timetable';

/** How long a run waits after its load for the outbox's last rows to be published. */
const DRAIN_TIMEOUT_MS = 120_000;

/**
 * `--nats`: the nodes publish domain events (NATS_URL) to a JetStream stream of
 * this run's own, deleted afterwards, as a deployment with an event bus does:
 * every stored swipe, match and message also writes its outbox row, which a node
 * leases, publishes and marks done. The report says what that added.
 */
export interface BenchStream {
  /** NATS_URL, NATS_STREAM and NATS_SUBJECT_PREFIX for the nodes. */
  readonly env: Record<string, string>;
  /**
   * Once the load has ended: waits until no outbox row is pending, then the
   * rows stored and published, the stream's messages, and the lag from each
   * fact to its row marked done (after JetStream acknowledged it).
   */
  report(databaseUrl: string | undefined): Promise<Record<string, number>>;
}

export function benchStream(natsUrl: string): BenchStream {
  const suffix = randomBytes(4).toString('hex');
  const name = `KISMET_BENCH_${suffix}`;
  onCleanup('bench stream', () => withStreams(natsUrl, (jsm) => jsm.streams.delete(name)));
  return {
    env: { NATS_URL: natsUrl, NATS_STREAM: name, NATS_SUBJECT_PREFIX: `kismet-bench-${suffix}` },
    async report(databaseUrl) {
      if (!databaseUrl) throw new Error('--nats needs DATABASE_URL and REDIS_URL');
      const db = new PgClient({ connectionString: databaseUrl });
      await db.connect();
      try {
        const waitStarted = Date.now();
        let pending = await pendingRows(db);
        while (pending > 0 && Date.now() - waitStarted < DRAIN_TIMEOUT_MS) {
          await sleep(250);
          pending = await pendingRows(db);
        }
        const { rows } = await db.query<{ stored: string; done: string; p50: number | null; p99: number | null; max: number | null }>(`
          select count(*) as stored, count(*) filter (where state = 'done') as done,
                 percentile_cont(0.5) within group (order by extract(epoch from finished_at - occurred_at) * 1000) filter (where state = 'done') as p50,
                 percentile_cont(0.99) within group (order by extract(epoch from finished_at - occurred_at) * 1000) filter (where state = 'done') as p99,
                 max(extract(epoch from finished_at - occurred_at) * 1000) filter (where state = 'done') as max
            from domain_event_outbox`);
        const row = rows[0]!;
        return {
          domain_events_stored: Number(row.stored),
          domain_events_done: Number(row.done),
          domain_events_pending: pending,
          domain_events_in_stream: await streamMessages(natsUrl, name),
          domain_drain_s: Math.round((Date.now() - waitStarted) / 100) / 10,
          domain_lag_p50_ms: Math.round(Number(row.p50 ?? 0)),
          domain_lag_p99_ms: Math.round(Number(row.p99 ?? 0)),
          domain_lag_max_ms: Math.round(Number(row.max ?? 0)),
        };
      } finally {
        await db.end();
      }
    },
  };
}

async function pendingRows(db: PgClient): Promise<number> {
  const { rows } = await db.query<{ n: string }>("select count(*) as n from domain_event_outbox where state = 'pending'");
  return Number(rows[0]!.n);
}

async function streamMessages(natsUrl: string, name: string): Promise<number> {
  return (await withStreams(natsUrl, async (jsm) => (await jsm.streams.info(name)).state.messages)) ?? 0;
}

/** Runs `use` on a connection of its own; undefined when the stream it asked about is not there (the nodes never made it). */
async function withStreams<T>(natsUrl: string, use: (jsm: JetStreamManager) => Promise<T>): Promise<T | undefined> {
  const nc = await connect({ servers: natsUrl });
  try {
    return await use(await nc.jetstreamManager());
  } catch (error) {
    if (String(error).includes('stream not found')) return undefined;
    throw error;
  } finally {
    await nc.close();
  }
}
