import type { Client, Room } from '@colyseus/core';

/**
 * What Colyseus 0.18 hands a message handler as its third argument: for a
 * request (`room.request()` of the SDK, a ROOM_REQUEST frame) a context with the
 * request's id, whose `reject(reason)` answers REJECTED with that reason (the SDK
 * rejects with an error whose `reason` it is); for a plain message a context
 * without an id. What the handler returns (or its promise resolves to) is the
 * request's answer, unless it rejected.
 */
export interface RequestContext {
  readonly id: number | undefined;
  reject(reason: unknown): void;
}

export function isRequest(context: RequestContext | undefined): context is RequestContext {
  return context !== undefined && context.id !== undefined;
}

type Handler = (...args: unknown[]) => unknown;
type Registry = { events: Record<string, Handler[] | undefined> };

/**
 * Answers requests of a type the actor does not have with the actor's own coded
 * refusal. Colyseus answers such a request itself, with an uncoded fault
 * (`no_handler`), and never asks the wildcard handler; so the room's handler
 * registry (nanoevents, whose map Colyseus reads as `events[type]`) is given a
 * view in which every type without handlers has this one. Registering a type
 * later still works: nanoevents pushes onto what it reads, and the pushed handler
 * is then stored as that type's own.
 */
export function answerUnknownTypes(
  room: Room,
  unknown: (client: Client, type: string, raw: unknown, request: RequestContext | undefined) => unknown,
): void {
  const registry = (room as unknown as { onMessageEvents: Registry }).onMessageEvents;
  const handlers = registry.events;
  registry.events = new Proxy(handlers, {
    get(target, key) {
      if (typeof key !== 'string' || key === '*' || (target[key]?.length ?? 0) > 0) return target[key as string];
      const type = key.startsWith('_$b') ? key.slice(3) : key; // a bytes message's handlers are kept under _$b<type>
      const fallback: Handler[] = [(client, raw, context) => unknown(client as Client, type, raw, isRequest(context as RequestContext) ? (context as RequestContext) : undefined)];
      Object.defineProperty(fallback, 'push', {
        value: (...added: Handler[]) => {
          target[key] = [...(target[key] ?? []), ...added];
          return target[key]!.length;
        },
      });
      return fallback;
    },
  });
}
