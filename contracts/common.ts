import { z } from 'zod';
import type { ErrorCode } from '../domain/errors';
import { KismetCloseCode, READY_COMMAND } from './messageTypes';

export { KismetCloseCode, READY_COMMAND };

/** Types of the messages every actor may send to its clients. */
export const ServerMessageType = {
  /** The answer to a command that carried a `ref`. */
  REPLY: 'reply',
  /** A refused command or join; carries the command's `ref` when it had one. */
  ERROR: 'error',
} as const;

/**
 * A uuid as Kismet keeps it: lower case, in whatever case it came (Swift's
 * `uuidString` is upper case). Postgres reads any case as the same id, but ids
 * are also compared as strings (in memory, and in an actor's identity): one in
 * another case would be a second actor of the same thread or event.
 */
export const Uuid = z.uuid().overwrite((id) => id.toLowerCase());

/** A client-chosen id that ties a reply or an error to its command. */
export const CommandRef = z.string().min(1).max(64).optional();

/** The payload of READY_COMMAND (contracts/messageTypes.ts). */
export const ReadyCommand = z.strictObject({ ref: CommandRef });

/**
 * A refused command, as `room.request()` of `@colyseus/sdk` rejects it: the
 * error's `reason` (its `name` is `rejected`). The same fields as `error`, without `ref`.
 */
export interface CommandRefusal {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterMs?: number;
}

export interface ReplyMessage<Result = unknown> {
  readonly ref: string | undefined;
  readonly ok: true;
  readonly result: Result;
}

export interface ErrorMessage {
  readonly ref: string | undefined;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterMs?: number;
}

/**
 * The most values (strings, numbers, arrays, objects) the check of one payload looks at:
 * far more than any message or body holds, and far fewer than a payload built of shared
 * references would have it walk (msgpack's structured clone: a few hundred bytes naming
 * one array from two places at each of 30 levels are 2^30 paths).
 */
export const MAX_PAYLOAD_VALUES = 10_000;

/**
 * What makes a decoded payload unfit before its schema reads it: a NUL character in any
 * string or key (no text Kismet stores may carry one, and Postgres refuses it), or more
 * values than MAX_PAYLOAD_VALUES. Refused where it is parsed, as INVALID_BODY or
 * INVALID_MESSAGE.
 */
export function payloadFault(value: unknown): 'nul' | 'too_many_values' | undefined {
  return faultIn(value, 0, { left: MAX_PAYLOAD_VALUES });
}

function faultIn(value: unknown, depth: number, budget: { left: number }): 'nul' | 'too_many_values' | undefined {
  if (--budget.left < 0) return 'too_many_values';
  if (typeof value === 'string') return value.includes('\u0000') ? 'nul' : undefined;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  // Loops rather than `some` over `Object.entries`: every command's payload passes here, and the pairs are garbage.
  if (Array.isArray(value)) {
    for (const item of value) {
      const fault = faultIn(item, depth + 1, budget);
      if (fault) return fault;
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.includes('\u0000')) return 'nul';
    const fault = faultIn((value as Record<string, unknown>)[key], depth + 1, budget);
    if (fault) return fault;
  }
  return undefined;
}

/** What a payload's fault is called in its refusal. */
export const PAYLOAD_FAULT_MESSAGES: Readonly<Record<'nul' | 'too_many_values', string>> = {
  nul: 'text may not contain NUL characters',
  too_many_values: `more than ${MAX_PAYLOAD_VALUES} values: no message holds so many`,
};
