import fs from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { lockDataDir } from './dataDirLock';
import { holdSoleNodeLock, type SoleNodeLock } from './soleNodeLock';
import { listenOnPostgres, type NotificationHandlers, type NotificationListener } from './notificationListener';
import { PreparingPool } from './preparingPool';
import type { Database } from './types';

export type DatabaseSettings =
  | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
  | { readonly kind: 'pglite'; readonly dataDir: string };

/** Where a connection's error goes when the caller gives no listener (scripts, load generators). */
function reportConnectionError(error: Error): void {
  process.stderr.write(`kismet: a Postgres connection failed: ${error.message}\n`);
}

/** How long pg waits for a connection when none is given (no timeout at all is pg's default). */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: DatabaseSettings['kind'];
  /** Answers true when a trivial query round-trips. */
  ping(): Promise<boolean>;
  /**
   * From now on every query gives up after `ms` (answered UNAVAILABLE) and its
   * connection is closed, and Postgres stops it by then too (statement_timeout,
   * db/preparingPool.ts). Set once migrations ran: those may take long.
   */
  limitQueries(ms: number): void;
  /** Hears NOTIFY on `channel` (db/notificationListener.ts; PGlite's own listener when embedded) until the listener is closed. */
  listen(channel: string, handlers: NotificationHandlers): Promise<NotificationListener>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * This process no longer holds the database alone: the embedded folder's lock
   * was taken from under it (see lockDataDir), or, with `soleNode`, another node
   * took the Postgres lock while this one's connection was down (see
   * holdSoleNodeLock). It must stop using the database at once.
   */
  readonly onHoldLost?: (error: Error) => void;
  /**
   * Only this process serves the database (a node without Redis): on Postgres it
   * holds the sole-node lock until `close()`, and opening refuses with
   * DATABASE_IN_USE while another holds it. The embedded database is held alone anyway.
   */
  readonly soleNode?: boolean;
  /** Every error of a Postgres connection, idle or in use (logged and counted by the caller). */
  readonly onConnectionError?: (error: Error) => void;
  /** How long to wait for a Postgres connection before answering UNAVAILABLE. */
  readonly connectTimeoutMs?: number;
  /**
   * This node publishes domain events: every connection carries
   * `kismet.domain_events = on`, which the statements that store facts read to
   * write their domain outbox rows (db/repositories/domainOutboxRepository.ts).
   */
  readonly domainEvents?: boolean;
}

/**
 * Opens real Postgres through `pg`, or the embedded PGlite persisted in a folder,
 * which this process then holds alone until `close()` (DATA_DIR_IN_USE otherwise);
 * a Postgres database too with `soleNode` (DATABASE_IN_USE otherwise).
 */
export async function openDatabase(settings: DatabaseSettings, options: OpenOptions = {}): Promise<DatabaseHandle> {
  let db: Kysely<Database>;
  let releaseDataDir: (() => Promise<void>) | undefined;
  let soleNode: SoleNodeLock | undefined;
  let preparing: PreparingPool | undefined;
  let embedded: { listen(channel: string, callback: () => void): Promise<() => Promise<void>> } | undefined;
  if (settings.kind === 'postgres') {
    // Taken before the pool opens: a refused node leaves nothing behind.
    if (options.soleNode) {
      soleNode = await holdSoleNodeLock(settings.url, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, {
        onInterrupted: options.onConnectionError ?? reportConnectionError,
        onLost: options.onHoldLost ?? ((error) => { throw error; }),
      });
    }
    const pool = new Pool({
      connectionString: settings.url,
      max: settings.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // A peer that vanished without a word (a cut network) is found out by TCP keepalive.
      keepAlive: true,
      // Idle connections stay open (at most poolSize): closing them after a while
      // means a timer set and cleared at every statement's checkout and release.
      idleTimeoutMillis: 0,
      // Every prepared statement is planned once, for any values: the batch statements'
      // arrays change length at every flush, and Postgres otherwise planned them anew
      // each time (more of its CPU than running them). What needs a plan for its values
      // is sent with them written in (UNPREPARED, db/preparingPool.ts).
      options: `-c plan_cache_mode=force_generic_plan${options.domainEvents ? ' -c kismet.domain_events=on' : ''}`,
    });
    preparing = new PreparingPool(pool, options.onConnectionError ?? reportConnectionError);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparing }) });
  } else {
    fs.mkdirSync(settings.dataDir, { recursive: true });
    releaseDataDir = await lockDataDir(settings.dataDir, options.onHoldLost ?? ((error) => { throw error; }));
    try {
      // Loaded lazily so a Postgres deployment never pays for the embedded engine.
      const { PGlite } = await import('@electric-sql/pglite');
      const { PGliteDialect } = await import('kysely-pglite-dialect');
      const pglite = await PGlite.create(settings.dataDir);
      // One connection for the process: the setting holds for its whole life.
      if (options.domainEvents) await pglite.exec(`set kismet.domain_events = 'on'`);
      db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
      embedded = pglite;
    } catch (error) {
      await releaseDataDir();
      throw error;
    }
  }
  return {
    db,
    kind: settings.kind,
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    limitQueries(ms) {
      if (preparing) preparing.queryTimeoutMs = ms;
    },
    async listen(channel, handlers) {
      if (settings.kind === 'postgres') return listenOnPostgres(settings.url, channel, handlers, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
      const unlisten = await embedded!.listen(channel, () => handlers.onNotify());
      handlers.onHearing?.(true);
      return { close: () => unlisten().catch(() => undefined) };
    },
    async close() {
      try {
        await db.destroy();
      } finally {
        await releaseDataDir?.();
        await soleNode?.release();
      }
    },
  };
}
