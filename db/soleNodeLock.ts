import { Client } from 'pg';

/** The session advisory lock a node without Redis holds on its Postgres for its whole life ("kisn"). */
export const SOLE_NODE_LOCK_KEY = 0x6b69_736e;
/** How the lock's connection shows in `pg_stat_activity`, so an operator can find the node that holds it. */
export const SOLE_NODE_APPLICATION_NAME = 'kismet-sole-node';
/**
 * Postgres's side of the connection probes a silent peer after 10 s, every 5 s,
 * three times: a node whose machine vanished releases the lock within about 25 s,
 * instead of the operating system's default of hours.
 */
const KEEPALIVES = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/** The refusal when another node without Redis holds the database. */
export class DatabaseInUseError extends Error {
  constructor(options?: { cause?: unknown }) {
    super(
      `DATABASE_IN_USE: another Kismet node without Redis serves this Postgres database (its connection shows as ${SOLE_NODE_APPLICATION_NAME} in pg_stat_activity); nodes without Redis cannot see each other's sessions or deliveries, so nodes sharing a database need the same REDIS_URL, or one node runs at a time`,
      options,
    );
    this.name = 'DatabaseInUseError';
  }
}

export interface SoleNodeLockHandlers {
  /** The connection holding the lock failed (Postgres restarting, the network cut); it is opened again and the lock taken anew. */
  readonly onInterrupted: (error: Error) => void;
  /** Another node took the lock while this one's connection was down: this node must stop serving. */
  readonly onLost: (error: Error) => void;
}

export interface SoleNodeLock {
  /** Ends the connection, which releases the lock. */
  release(): Promise<void>;
}

/**
 * Takes the sole-node lock on a connection of its own (a pooled one would be
 * handed to other statements) and keeps it: a node without Redis delivers
 * through its own process only, so two of them on one database would each hold
 * a live actor of the same person, neither hearing the other's matches and
 * messages. Rejects with DatabaseInUseError when another node holds it. When the
 * connection fails the lock goes with it; it is taken again on a new connection
 * after a pause that doubles from 250 ms up to 5 s.
 *
 * @example
 * const lock = await holdSoleNodeLock(url, 5_000, { onInterrupted: log, onLost: () => process.exit(1) });
 * // ... serve ...
 * await lock.release();
 */
export async function holdSoleNodeLock(url: string, connectTimeoutMs: number, handlers: SoleNodeLockHandlers): Promise<SoleNodeLock> {
  let released = false;
  let holding: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let retryMs = FIRST_RETRY_MS;

  // Opens a connection and tries the lock on it; a connection that fails afterwards is reported once.
  const open = async (): Promise<{ client: Client; locked: boolean; failed: () => boolean }> => {
    const client = new Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: connectTimeoutMs, application_name: SOLE_NODE_APPLICATION_NAME, options: KEEPALIVES });
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      if (client === holding) dropped(client, error);
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('the connection holding the sole-node lock ended')));
    try {
      await client.connect();
      const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [SOLE_NODE_LOCK_KEY]);
      return { client, locked: result.rows[0]?.locked === true, failed: () => failed };
    } catch (error) {
      await closeQuietly(client);
      throw error;
    }
  };
  const dropped = (client: Client, error: Error) => {
    holding = undefined;
    void closeQuietly(client);
    if (released) return;
    handlers.onInterrupted(error);
    retry = setTimeout(() => void retake(), retryMs);
  };
  // A connection that failed between taking the lock and being held is dropped here.
  const hold = (client: Client, failed: () => boolean) => {
    holding = client;
    if (failed()) dropped(client, new Error('the connection holding the sole-node lock failed as it was taken'));
  };
  const retake = async () => {
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    try {
      const { client, locked, failed } = await open();
      if (released || !locked) {
        await closeQuietly(client);
        if (!released) handlers.onLost(new DatabaseInUseError());
        return;
      }
      hold(client, failed);
      retryMs = FIRST_RETRY_MS;
    } catch (error) {
      if (released) return;
      handlers.onInterrupted(error as Error);
      retry = setTimeout(() => void retake(), retryMs);
    }
  };

  const first = await open();
  if (!first.locked) {
    await closeQuietly(first.client);
    throw new DatabaseInUseError();
  }
  hold(first.client, first.failed);
  return {
    async release() {
      released = true;
      clearTimeout(retry);
      const client = holding;
      holding = undefined;
      if (client) await client.end();
    },
  };
}

/** Ends a connection that failed or is no longer wanted; its own failure to end says nothing new. */
function closeQuietly(client: Client): Promise<void> {
  return client.end().catch(() => undefined);
}
