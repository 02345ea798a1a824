import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type { Pool, PoolClient } from 'pg';

/** At most this many distinct statements are prepared per process; beyond it they run unprepared. */
export const MAX_PREPARED_STATEMENTS = 500;
/** Statements longer than this (bulk inserts) are never prepared: they rarely repeat. */
const MAX_PREPARED_SQL_LENGTH = 8000;

const names = new Map<string, string | null>(); // null: seen, never prepared

/**
 * A statement that holds this comment is never prepared: its best plan
 * depends on its parameters (how many cells a deck reads), and after five runs
 * Postgres may switch a prepared statement to one generic plan for all of them.
 */
export const UNPREPARED = '/* unprepared */';

/** The prepared-statement name of a query's text, or undefined when it is not worth preparing. */
function statementName(text: string, parameterCount: number): string | undefined {
  if (parameterCount === 0 || text.length > MAX_PREPARED_SQL_LENGTH) return undefined;
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= MAX_PREPARED_STATEMENTS) return undefined;
    name = text.includes(UNPREPARED) ? null : `k_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name ?? undefined;
}

class PreparingClient implements PostgresPoolClient {
  constructor(private readonly client: PoolClient) {}

  get processID(): number | undefined {
    return (this.client as unknown as { processID?: number }).processID;
  }

  query(sqlOrCursor: unknown, parameters?: readonly unknown[]): never {
    const client = this.client as unknown as { query: (...args: unknown[]) => never };
    if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor);
    const values = parameters ? [...parameters] : [];
    const name = statementName(sqlOrCursor, values.length);
    return name === undefined ? client.query(sqlOrCursor, values) : client.query({ name, text: sqlOrCursor, values });
  }

  release(destroy?: boolean): void {
    this.client.release(destroy);
  }
}

/**
 * A pg pool whose connections prepare each statement once and then only bind and
 * execute it. Kysely compiles the same text for the same query shape, so the hot
 * statements (a swipe's context read, its writes) skip Postgres's parse and plan,
 * which costs more than running them.
 */
export class PreparingPool implements PostgresPool {
  constructor(private readonly pool: Pool) {}

  /** The wrapped pool's settings; kysely reads them to open its cancellation connections. */
  get options(): object {
    return this.pool.options;
  }

  get Client(): PostgresPool['Client'] {
    return (this.pool as unknown as { Client?: PostgresPool['Client'] }).Client;
  }

  async connect(): Promise<PostgresPoolClient> {
    return new PreparingClient(await this.pool.connect());
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
