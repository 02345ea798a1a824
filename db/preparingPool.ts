import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import { arrayParameter } from './arrayParameters';
import { binaryArrayEncoders, type BinaryArrayEncoder } from './binaryArrays';
import { classifyDatabaseError, isConnectionLost, isDatabaseUnreachable } from './faults';
import { withValuesInlined } from './inlinedValues';

/** At most this many distinct statements are prepared per process; beyond it they run unprepared. */
export const MAX_PREPARED_STATEMENTS = 500;
/** Statements longer than this (bulk inserts) are never prepared: they rarely repeat. */
const MAX_PREPARED_SQL_LENGTH = 8000;

/**
 * A statement that holds this comment is never prepared, and is sent with its
 * values written in: its best plan depends on them (how many cells a deck
 * reads), and every prepared statement runs on one generic plan for all values
 * (db/database.ts).
 */
export const UNPREPARED = '/* unprepared */';

/**
 * How a statement goes to Postgres: prepared under a name (and which of its
 * array parameters go in binary), with its values written in (UNPREPARED), or as it is.
 */
type Sending = { readonly name: string; readonly binary?: ReadonlyArray<BinaryArrayEncoder | undefined> } | 'inlined' | 'plain';

/** Each statement text's way, decided once. */
const sendings = new Map<string, Sending>();

/** How a statement with `parameterCount` values goes: each text is hashed and searched once, not per run. */
function sendingOf(text: string, parameterCount: number): Sending {
  if (parameterCount === 0) return 'plain';
  // Long texts (bulk inserts) rarely repeat: never prepared, nor remembered.
  if (text.length > MAX_PREPARED_SQL_LENGTH) return text.includes(UNPREPARED) ? 'inlined' : 'plain';
  const known = sendings.get(text);
  if (known !== undefined) return known;
  const unprepared = text.includes(UNPREPARED);
  if (sendings.size >= MAX_PREPARED_STATEMENTS) return unprepared ? 'inlined' : 'plain';
  const sending: Sending = unprepared
    ? 'inlined'
    : { name: `k_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, binary: binaryArrayEncoders(text, parameterCount) };
  sendings.set(text, sending);
  return sending;
}

/**
 * How much sooner than the node Postgres gives a statement up (a tenth, at most
 * 100 ms): its clock starts when the statement arrives, so it cancels first and a
 * statement the node refused is one Postgres stopped, not one that applied meanwhile.
 */
function serverStatementTimeoutMs(queryTimeoutMs: number): number {
  return queryTimeoutMs - Math.min(Math.floor(queryTimeoutMs / 10), 100);
}

class PreparingClient implements PostgresPoolClient {
  /** The connection failed or a query on it timed out: it goes back to no one. */
  private broken = false;
  /** The query timeout this connection's session limits were set for (none while migrations run). */
  private limitedTo: number | undefined;

  constructor(
    private readonly client: PoolClient,
    private readonly queryTimeoutMs: () => number | undefined,
    /** Hears the connection's loss when it comes as a statement's error (no 'error' event follows it then). */
    private readonly onLost: (error: Error) => void,
  ) {}

  get processID(): number | undefined {
    return (this.client as unknown as { processID?: number }).processID;
  }

  query(sqlOrCursor: unknown, parameters?: readonly unknown[]): never {
    const client = this.client as unknown as { query: (...args: unknown[]) => Promise<unknown> };
    if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor) as never;
    const sending = sendingOf(sqlOrCursor, parameters?.length ?? 0);
    const binary = typeof sending === 'object' ? sending.binary : undefined;
    const values = parameters ? parameters.map((value, i) => (binary?.[i] && Array.isArray(value) ? binary[i](value) : undefined) ?? arrayParameter(value)) : [];
    const timeout = this.queryTimeoutMs();
    const config: { name?: string; text: string; values: unknown[]; query_timeout?: number; queryMode?: 'extended' } =
      sending === 'inlined'
        ? // Planned for its values; extended, so that its text is one statement whatever it holds.
          { text: withValuesInlined(sqlOrCursor, values), values: [], queryMode: 'extended' }
        : { text: sqlOrCursor, values };
    if (typeof sending === 'object') config.name = sending.name;
    if (timeout !== undefined) config.query_timeout = timeout;
    const running = client.query(config);
    return running.catch((error: unknown) => {
      if (isDatabaseUnreachable(error)) this.broken = true;
      if (isConnectionLost(error)) this.onLost(error as Error);
      throw classifyDatabaseError(error);
    }) as never;
  }

  /**
   * Has Postgres give up what the node gives up. Without it a statement the node
   * abandoned (refused UNAVAILABLE, its connection closed) stayed waiting on its
   * lock, holding a backend, and applied once the lock cleared. Lock waits count
   * in statement_timeout (no lock_timeout needed); a transaction left idle as long
   * (its node stalled between two statements) is ended and its locks freed.
   */
  async limitSession(queryTimeoutMs: number): Promise<void> {
    if (this.limitedTo === queryTimeoutMs) return;
    const statementMs = serverStatementTimeoutMs(queryTimeoutMs);
    await (this.query(`set statement_timeout = ${statementMs}; set idle_in_transaction_session_timeout = ${queryTimeoutMs}`) as Promise<unknown>);
    this.limitedTo = queryTimeoutMs;
  }

  release(destroy?: boolean): void {
    this.client.release(destroy || this.broken);
  }
}

/**
 * A pg pool whose connections prepare each statement once and then only bind and
 * execute it. Kysely compiles the same text for the same query shape, so the hot
 * statements (a swipe's context read, its writes) skip Postgres's parse and plan,
 * which costs more than running them.
 */
export class PreparingPool implements PostgresPool {
  /**
   * Each pg connection's one wrapper, made when it is first checked out (with the
   * listener for errors that arrive while it is checked out). Kysely keeps its own
   * connection object per object this pool hands out: a new wrapper per checkout
   * made it build one, and add it to two weak collections, for every statement.
   */
  private readonly wrappers = new WeakMap<PoolClient, PreparingClient>();
  /**
   * Each query's limit, once set (migrations run without one: an index build may
   * take long). Each connection's session takes it on at its next checkout.
   */
  queryTimeoutMs: number | undefined;

  /**
   * `onConnectionError` hears the failure of every connection, once: idle (pg-pool
   * drops it), checked out between statements, or running one (Postgres ends it,
   * 57P01 when it restarts: the statement fails, and the connection is destroyed
   * on release before pg could emit an 'error'). Without a listener, such an
   * 'error' ends the process; without the last, a restart while every connection
   * was busy went unnoticed until a probe happened to fall into it.
   */
  constructor(
    private readonly pool: Pool,
    private readonly onConnectionError: (error: Error) => void,
  ) {
    pool.on('error', (error, client) => this.connectionFailed(error, client));
  }

  /** A connection's failure reaches its own listener, the pool's and its statement's: reported once. */
  private readonly reported = new WeakSet<object>();
  private connectionFailed(error: Error, client: PoolClient | undefined): void {
    const key = client ?? error;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.onConnectionError(error);
  }

  /** The wrapped pool's settings; kysely reads them to open its cancellation connections. */
  get options(): object {
    return this.pool.options;
  }

  get Client(): PostgresPool['Client'] {
    return (this.pool as unknown as { Client?: PostgresPool['Client'] }).Client;
  }

  async connect(): Promise<PostgresPoolClient> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw classifyDatabaseError(error);
    }
    let wrapper = this.wrappers.get(client);
    if (!wrapper) {
      client.on('error', (error: Error) => this.connectionFailed(error, client));
      wrapper = new PreparingClient(client, () => this.queryTimeoutMs, (error) => this.connectionFailed(error, client));
      this.wrappers.set(client, wrapper);
    }
    if (this.queryTimeoutMs !== undefined) {
      try {
        await wrapper.limitSession(this.queryTimeoutMs);
      } catch (error) {
        wrapper.release(true);
        throw error;
      }
    }
    return wrapper;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
