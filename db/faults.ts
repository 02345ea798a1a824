import { AppError, unavailable } from '../domain/errors';

const hasSqlState = (state: string) => (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === state;
/** Two transactions waited on each other and Postgres rolled this one back: tried again, it may pass. */
export const isDeadlock = hasSqlState('40P01');
/** A row the statement refers to is gone: deleted after it was read (an account erased meanwhile). */
export const isForeignKeyViolation = hasSqlState('23503');
/** A unique key already holds the value. */
export const isUniqueViolation = hasSqlState('23505');
/** A lock taken with NOWAIT (or past a lock_timeout) was held by another transaction. */
export const isLockNotAvailable = hasSqlState('55P03');

/** The connection itself ended: Postgres shut down, crashed, or is starting (57P01–57P03). */
const LOST_CONNECTION_SQLSTATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03']);
/**
 * SQLSTATEs that say the server or the connection failed, not the statement:
 * class 08 (connection exceptions, checked by prefix), the three above, 53300
 * (too many connections), 57014 (a query cancelled, as a statement timeout does).
 */
const CONNECTION_SQLSTATES: ReadonlySet<string> = new Set([...LOST_CONNECTION_SQLSTATES, '53300', '57014']);
/** What pg says when a connection's socket closed under it. */
const CONNECTION_ENDED_MESSAGE = 'Connection terminated';
/** Socket errors that say a peer could not be reached or dropped the connection (any dependency's). */
export const NETWORK_ERRNOS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** What `pg`, `pg-pool` and kysely say when a connection is gone or never came. */
const CONNECTION_MESSAGES = [
  CONNECTION_ENDED_MESSAGE,
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'is not queryable',
  'Postgres connection has been discarded',
  'Client was closed and is not queryable',
];

/**
 * True when a database error says Postgres could not be reached or dropped the
 * connection (a restart, a failover, a network cut, a timeout): the work may be
 * retried. A statement's own failure (a constraint, bad SQL) is not one.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (error instanceof AppError || error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || CONNECTION_SQLSTATES.has(code) || NETWORK_ERRNOS.has(code))) return true;
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnreachable); // a refused connect to every address
  return typeof message === 'string' && CONNECTION_MESSAGES.some((text) => message.includes(text));
}

/**
 * True when the error says the connection itself is gone (Postgres ended it, or
 * its socket closed): the database restarting or unreachable, as opposed to a
 * statement that ran out of time, which says only that the database is slow.
 */
export function isConnectionLost(error: unknown): boolean {
  if (error === null || typeof error !== 'object' || error instanceof AppError) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return code.startsWith('08') || LOST_CONNECTION_SQLSTATES.has(code) || NETWORK_ERRNOS.has(code);
  return typeof message === 'string' && message.startsWith(CONNECTION_ENDED_MESSAGE);
}

/** The one place a database fault becomes a client's answer: UNAVAILABLE with a retry hint; anything else as it was. */
export function classifyDatabaseError(error: unknown): unknown {
  return isDatabaseUnreachable(error) ? unavailable('the database', error) : error;
}
