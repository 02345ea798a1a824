import type { Client, Room } from '@colyseus/core';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../domain/errors';
import type { RateLimitedAction } from '../domain/rateLimits';
import type { ActorKind } from '../contracts/actors';
import {
  KismetCloseCode,
  payloadFault,
  PAYLOAD_FAULT_MESSAGES,
  READY_COMMAND,
  ServerMessageType,
  type CommandRefusal,
  type ErrorMessage,
  type ReplyMessage,
} from '../contracts/common';
import { MessagePace, PACE_CLOSE, PACE_TAKEN } from '../domain/messagePace';
import { withinDeadline } from '../services/commandDeadline';
import { spendOrRefuse } from '../services/rateLimiter';
import { routeEveryType, type RequestContext } from './roomRequests';
import type { RoomServices } from './roomServices';

export type CommandSchemas = Readonly<Record<string, z.ZodType<{ ref?: string | undefined }>>>;

/**
 * A handler per command; `ready` is answered by the router itself (see rememberReady).
 * `actor` is what the actor gave mountCommands: handlers written once per kind of
 * actor find their actor's parts there, so an actor needs no closure of its own per
 * command (sessions are many: one per connected user).
 */
export type CommandHandlers<C extends CommandSchemas, A = undefined> = {
  readonly [K in Exclude<keyof C, typeof READY_COMMAND>]: (client: Client, payload: z.infer<C[K]>, actor: A) => unknown;
};

type AnyHandler = (client: Client, payload: { ref?: string | undefined }, actor: unknown) => unknown;

/**
 * The per-user buckets commands spend from before they run (domain/rateLimits),
 * and whose bucket a connection spends from: its user's, on every device and node.
 */
export interface CommandLimits<C extends CommandSchemas, A = undefined> {
  readonly actions: { readonly [K in keyof C]?: RateLimitedAction };
  readonly userOf: (client: Client, actor: A) => string;
}

/** What each connection was sent on joining, answered again by `ready`. */
const readyMessages = new WeakMap<Client, unknown>();

/** Where a connection keeps its pace (domain/messagePace), made at its first message. */
const PACE = Symbol('kismet.pace');
type PacedClient = Client & { [PACE]?: MessagePace };

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
 *
 * `actor` is handed to every handler and to `limits.userOf`: a kind of actor that
 * has many instances writes its handlers once and keeps its parts there.
 */
export function mountCommands<C extends CommandSchemas, A = undefined>(
  room: Room,
  kind: ActorKind,
  services: RoomServices,
  schemas: C,
  handlers: CommandHandlers<C, A>,
  limits?: CommandLimits<C, A>,
  actor?: A,
): void {
  const unknownType = (type: string, client: Client, raw: unknown, request: RequestContext | undefined): undefined => {
    services.metrics.messagesIn.inc({ kind, type: 'unknown' });
    refuse(services, client, refOf(raw), { code: ErrorCode.UNKNOWN_MESSAGE_TYPE, message: `unknown message type "${type.slice(0, 64)}"` }, request);
    return undefined;
  };
  // The work of a valid command: its bucket spent, then its handler.
  const perform = async (type: string, client: Client, payload: { ref?: string | undefined }): Promise<unknown> => {
    const action = limits?.actions[type as keyof C];
    if (action !== undefined && limits) await spendOrRefuse(services.rateLimits, action, limits.userOf(client, actor as A));
    return (type === READY_COMMAND ? answerReady : ((handlers as Record<string, AnyHandler>)[type] as AnyHandler))(client, payload, actor);
  };
  // One async function per command, not a chain of callbacks: a node answers thousands a second, and each callback is an object to collect.
  const answer = async (type: string, client: Client, payload: { ref?: string | undefined }, request: RequestContext | undefined, started: number): Promise<unknown> => {
    try {
      const result = await withinDeadline(perform(type, client, payload), services.commandTimeoutMs, type);
      services.metrics.messagesOut.inc({ kind, type: ServerMessageType.REPLY });
      if (request) return result ?? null;
      const reply: ReplyMessage = { ref: payload.ref, ok: true, result: result ?? null };
      client.send(ServerMessageType.REPLY, reply);
      return undefined;
    } catch (error) {
      if (error instanceof AppError) {
        refuse(services, client, payload.ref, { code: error.code, message: error.message, retryAfterMs: error.retryAfterMs }, request);
      } else {
        services.logger.error({ err: error, kind, type }, 'command failed');
        refuse(services, client, payload.ref, { code: ErrorCode.INTERNAL, message: 'internal error' }, request);
      }
      return undefined;
    } finally {
      services.metrics.commandLatency.observe({ kind, type }, (performance.now() - started) / 1000);
    }
  };
  const command = (type: string, client: Client, raw: unknown, request: RequestContext | undefined, started: number): unknown => {
    services.metrics.messagesIn.inc({ kind, type });
    const fault = payloadFault(raw);
    if (fault) {
      refuse(services, client, refOf(raw), { code: ErrorCode.INVALID_MESSAGE, message: `${type}: ${PAYLOAD_FAULT_MESSAGES[fault]}` }, request);
      return undefined;
    }
    const parsed = schemas[type]!.safeParse(raw === undefined ? {} : raw);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
      refuse(services, client, refOf(raw), { code: ErrorCode.INVALID_MESSAGE, message: `${type}: ${detail}` }, request);
      return undefined;
    }
    return answer(type, client, parsed.data, request, started);
  };
  /**
   * Whether a message is over its connection's rate (CONNECTION_MESSAGE_*), checked before
   * anything else is done with it, whatever its type: then it is refused RATE_LIMITED without
   * running, or, once the connection kept sending far over it, the connection is closed (4429).
   */
  const rule = services.connectionMessages;
  const overPace = (client: Client, raw: unknown, request: RequestContext | undefined, now: number): boolean => {
    const answer = ((client as PacedClient)[PACE] ??= new MessagePace(rule, now)).take(now);
    if (answer === PACE_TAKEN) return false;
    if (answer === PACE_CLOSE) {
      services.metrics.messagesOverPace.inc({ kind, outcome: 'closed' });
      client.leave(KismetCloseCode.TOO_MANY_MESSAGES, 'too many messages');
      return true;
    }
    services.metrics.messagesOverPace.inc({ kind, outcome: 'refused' });
    const message = `this connection sends more than ${rule.burst} messages at once or ${rule.perSecond} a second`;
    refuse(services, client, refOf(raw), { code: ErrorCode.RATE_LIMITED, message, retryAfterMs: answer }, request);
    return true;
  };
  // A command sent as bytes is not one: every command's payload is an object.
  const isCommand = (type: string): boolean => Object.hasOwn(schemas, type);
  routeEveryType(
    room,
    (type, client, raw, request) => {
      const started = performance.now();
      if (overPace(client, raw, request, started)) return undefined;
      return isCommand(type) ? command(type, client, raw, request, started) : unknownType(type, client, raw, request);
    },
    (type, client, raw, request) => (overPace(client, raw, request, performance.now()) ? undefined : unknownType(type, client, raw, request)),
    isCommand,
  );
}

/** `ready` answers the message the connection was sent on joining. */
const answerReady: AnyHandler = (client) => readyMessages.get(client) ?? null;
