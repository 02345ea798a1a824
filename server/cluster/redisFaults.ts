import { NETWORK_ERRNOS } from '../../db/faults';
import { AppError, unavailable } from '../../domain/errors';

/** What ioredis says when a command could not reach Redis, and Redis's own "not now" answers. */
const UNREACHABLE_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Command timed out',
  'max retries per request',
  'LOADING',
  'READONLY',
  'MASTERDOWN',
  'TRYAGAIN',
  'CLUSTERDOWN',
];

/**
 * True when a Redis error says Redis could not be reached or cannot answer now
 * (a restart, a network cut, a timeout), not that the command itself was wrong.
 * Colyseus's "ipc_timeout" (another node did not answer through Redis) counts.
 */
export function isRedisUnreachable(error: unknown): boolean {
  if (error instanceof AppError || error === null || typeof error !== 'object') return false;
  const { code, message, name } = error as { code?: unknown; message?: unknown; name?: unknown };
  if (name === 'MaxRetriesPerRequestError') return true;
  if (typeof code === 'string' && NETWORK_ERRNOS.has(code)) return true;
  if (typeof message !== 'string') return false;
  return message === 'ipc_timeout' || UNREACHABLE_MESSAGES.some((text) => message.includes(text));
}

/** The one place a Redis fault becomes a client's answer: UNAVAILABLE with a retry hint; anything else as it was. */
export function classifyRedisError(error: unknown): unknown {
  return isRedisUnreachable(error) ? unavailable('Redis', error) : error;
}
