import type { Client, Room } from '@colyseus/core';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../domain/errors';
import type { RateLimitedAction } from '../domain/rateLimits';
import type { ActorKind } from '../contracts/actors';
import {
  hasNulCharacter,
  READY_COMMAND,
  ServerMessageType,
  type CommandRefusal,
  type ErrorMessage,
  type ReplyMessage,
} from '../contracts/common';
import { withinDeadline } from '../services/commandDeadline';
import { spendOrRefuse } from '../services/rateLimiter';
import { answerUnknownTypes, isRequest, type RequestContext } from './roomRequests';
import type { RoomServices } from './roomServices';

export type CommandSchemas = Readonly<Record<string, z.ZodType<{ ref?: string | undefined }>>>;

/** A handler per command; `ready` is answered by the router itself (see rememberReady). */
export type CommandHandlers<C extends CommandSchemas> = {
  readonly [K in Exclude<keyof C, typeof READY_COMMAND>]: (client: Client, payload: z.infer<C[K]>) => unknown;
};

type AnyHandler = (client: Client, payload: { ref?: string | undefined }) => unknown;

/**
 * The per-user buckets commands spend from before they run (domain/rateLimits),
 * and whose bucket a connection spends from: its user's, on every device and node.
 */
export interface CommandLimits<C extends CommandSchemas> {
  readonly actions: { readonly [K in keyof C]?: RateLimitedAction };
  readonly userOf: (client: Client) => string;
}

/** What each connection was sent on joining, answered again by `ready`. */
const readyMessages = new WeakMap<Client, unknown>();

/** Keeps the message a connection was sent on joining, for its `ready` command. */
export function rememberReady(client: Client, ready: unknown): void {
  readyMessages.set(client, ready);
}

/** Sends a coded error to one client and counts it. */
export function sendError(
  services: RoomServices,
  client: Client,
  error: Omit<ErrorMessage, 'ref'> & { ref?: string | undefined },
): void {
  services.metrics.errors.inc({ code: error.code });
  client.send(ServerMessageType.ERROR, { ref: error.ref, code: error.code, message: error.message, retryAfterMs: error.retryAfterMs });
}

/**
 * Answers a refusal the way the command came: a request (`room.request()` of the
 * SDK) rejects with the refusal as its reason; a plain message gets `error` with its ref.
 */
function refuse(services: RoomServices, client: Client, ref: string | undefined, refusal: CommandRefusal, request: RequestContext | undefined): void {
  if (request === undefined) {
    sendError(services, client, { ref, ...refusal });
    return;
  }
  services.metrics.errors.inc({ code: refusal.code });
  request.reject(refusal.retryAfterMs === undefined ? { code: refusal.code, message: refusal.message } : refusal);
}

function refOf(payload: unknown): string | undefined {
  if (payload !== null && typeof payload === 'object') {
    const ref = (payload as { ref?: unknown }).ref;
    if (typeof ref === 'string' && ref.length <= 64) return ref;
  }
  return undefined;
}

/**
 * Registers an actor's commands: each payload is validated against its schema,
 * then handed to its handler; what the handler returns is the answer. Invalid or
 * unknown messages and AppErrors are answered with a coded refusal and never reach
 * the room's own error path, so one bad message cannot dispose an actor.
 *
 * Every command is answered either way a client sends it: sent as a request
 * (`await room.request(type, payload)`), it resolves with the result or rejects
 * with the refusal ({@link CommandRefusal}) as the error's `reason`; sent as a
 * plain message, the answer is a `reply` or an `error` carrying the payload's `ref`.
 */
export function mountCommands<C extends CommandSchemas>(
  room: Room,
  kind: ActorKind,
  services: RoomServices,
  schemas: C,
  handlers: CommandHandlers<C>,
  limits?: CommandLimits<C>,
): void {
  const handlerOf = (type: string): AnyHandler =>
    type === READY_COMMAND ? (client) => readyMessages.get(client) ?? null : ((handlers as Record<string, AnyHandler>)[type] as AnyHandler);
  for (const type of Object.keys(schemas)) {
    const schema = schemas[type]!;
    const handler = handlerOf(type);
    const action = limits?.actions[type as keyof C];
    room.onMessage(type, (client: Client, raw: unknown, context?: RequestContext) => {
      const request = isRequest(context) ? context : undefined;
      const started = process.hrtime.bigint();
      services.metrics.messagesIn.inc({ kind, type });
      if (hasNulCharacter(raw)) {
        refuse(services, client, refOf(raw), { code: ErrorCode.INVALID_MESSAGE, message: `${type}: text may not contain NUL characters` }, request);
        return undefined;
      }
      const parsed = schema.safeParse(raw === undefined ? {} : raw);
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
        refuse(services, client, refOf(raw), { code: ErrorCode.INVALID_MESSAGE, message: `${type}: ${detail}` }, request);
        return undefined;
      }
      const ref = parsed.data.ref;
      const work = Promise.resolve().then(async () => {
        if (action !== undefined && limits) await spendOrRefuse(services.rateLimits, action, limits.userOf(client));
        return handler(client, parsed.data);
      });
      return withinDeadline(work, services.commandTimeoutMs, type)
        .then(
          (result) => {
            services.metrics.messagesOut.inc({ kind, type: ServerMessageType.REPLY });
            if (request) return result ?? null;
            const reply: ReplyMessage = { ref, ok: true, result: result ?? null };
            client.send(ServerMessageType.REPLY, reply);
            return undefined;
          },
          (error: unknown) => {
            if (error instanceof AppError) {
              refuse(services, client, ref, { code: error.code, message: error.message, retryAfterMs: error.retryAfterMs }, request);
            } else {
              services.logger.error({ err: error, kind, type }, 'command failed');
              refuse(services, client, ref, { code: ErrorCode.INTERNAL, message: 'internal error' }, request);
            }
            return undefined;
          },
        )
        .finally(() => {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          services.metrics.commandLatency.observe({ kind, type }, seconds);
        });
    });
  }

  const unknownType = (client: Client, type: string | number, raw: unknown, request: RequestContext | undefined): undefined => {
    services.metrics.messagesIn.inc({ kind, type: 'unknown' });
    refuse(services, client, refOf(raw), { code: ErrorCode.UNKNOWN_MESSAGE_TYPE, message: `unknown message type "${String(type).slice(0, 64)}"` }, request);
    return undefined;
  };
  room.onMessage('*', (client: Client, type: string | number, raw: unknown) => unknownType(client, type, raw, undefined));
  answerUnknownTypes(room, unknownType);
}
