import type { Client, Room } from '@colyseus/core';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../domain/errors';
import type { RateLimitedAction } from '../domain/rateLimits';
import type { ActorKind } from '../contracts/actors';
import { hasNulCharacter, ServerMessageType, type ErrorMessage, type ReplyMessage } from '../contracts/common';
import { withinDeadline } from '../services/commandDeadline';
import { spendOrRefuse } from '../services/rateLimiter';
import type { RoomServices } from './roomServices';

export type CommandSchemas = Readonly<Record<string, z.ZodType<{ ref?: string | undefined }>>>;

export type CommandHandlers<C extends CommandSchemas> = {
  readonly [K in keyof C]: (client: Client, payload: z.infer<C[K]>) => unknown;
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

/** Sends a coded error to one client and counts it. */
export function sendError(
  services: RoomServices,
  client: Client,
  error: Omit<ErrorMessage, 'ref'> & { ref?: string | undefined },
): void {
  services.metrics.errors.inc({ code: error.code });
  client.send(ServerMessageType.ERROR, { ref: error.ref, code: error.code, message: error.message, retryAfterMs: error.retryAfterMs });
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
 * then handed to its handler; what the handler returns is the reply. Invalid or
 * unknown messages and AppErrors are answered with a coded error and never reach
 * the room's own error path, so one bad message cannot dispose an actor.
 */
export function mountCommands<C extends CommandSchemas>(
  room: Room,
  kind: ActorKind,
  services: RoomServices,
  schemas: C,
  handlers: CommandHandlers<C>,
  limits?: CommandLimits<C>,
): void {
  for (const type of Object.keys(schemas)) {
    const schema = schemas[type]!;
    const handler = handlers[type as keyof C] as AnyHandler;
    const action = limits?.actions[type as keyof C];
    room.onMessage(type, (client: Client, raw: unknown) => {
      const started = process.hrtime.bigint();
      services.metrics.messagesIn.inc({ kind, type });
      if (hasNulCharacter(raw)) {
        sendError(services, client, { ref: refOf(raw), code: ErrorCode.INVALID_MESSAGE, message: `${type}: text may not contain NUL characters` });
        return;
      }
      const parsed = schema.safeParse(raw === undefined ? {} : raw);
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
        sendError(services, client, { ref: refOf(raw), code: ErrorCode.INVALID_MESSAGE, message: `${type}: ${detail}` });
        return;
      }
      const ref = parsed.data.ref;
      const work = Promise.resolve().then(async () => {
        if (action !== undefined && limits) await spendOrRefuse(services.rateLimits, action, limits.userOf(client));
        return handler(client, parsed.data);
      });
      withinDeadline(work, services.commandTimeoutMs, type)
        .then(
          (result) => {
            const reply: ReplyMessage = { ref, ok: true, result: result ?? null };
            client.send(ServerMessageType.REPLY, reply);
            services.metrics.messagesOut.inc({ kind, type: ServerMessageType.REPLY });
          },
          (error: unknown) => {
            if (error instanceof AppError) {
              sendError(services, client, { ref, code: error.code, message: error.message, retryAfterMs: error.retryAfterMs });
            } else {
              services.logger.error({ err: error, kind, type }, 'command failed');
              sendError(services, client, { ref, code: ErrorCode.INTERNAL, message: 'internal error' });
            }
          },
        )
        .finally(() => {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          services.metrics.commandLatency.observe({ kind, type }, seconds);
        });
    });
  }

  room.onMessage('*', (client: Client, type: string | number, raw: unknown) => {
    services.metrics.messagesIn.inc({ kind, type: 'unknown' });
    sendError(services, client, {
      ref: refOf(raw),
      code: ErrorCode.UNKNOWN_MESSAGE_TYPE,
      message: `unknown message type "${String(type).slice(0, 64)}"`,
    });
  });
}
