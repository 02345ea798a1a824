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

/** Where an actor sends every message and request it receives, of whatever type. */
export type MessageRoute = (type: string, client: Client, raw: unknown, request: RequestContext | undefined) => unknown;

/** Colyseus keeps the handlers of a bytes message under `_$b<type>`. */
const BYTES_PREFIX = '_$b';

/**
 * Hands every message and request of a room to one route, whatever its type.
 *
 * Colyseus keeps an array of handlers per registered type (nanoevents, whose map
 * it reads as `events[type]`). Registered for each actor, the fifteen commands of
 * a session held about 6 KB per session in those arrays and their map, and more
 * in their closures: a third of what a connected session cost. Instead the
 * room's map is given a view in which every type without handlers of its own
 * has one that calls the route, made when Colyseus first reads it. It is kept
 * for the types `keeps` names (the actor's commands: a session keeps a few, the
 * ones its devices use), so a message costs no allocation; other types get a
 * new one at each read, so that no client can grow an actor by inventing types.
 *
 * This also answers requests of types the actor does not have with the actor's
 * own coded refusal: Colyseus answers such a request itself, with an uncoded fault
 * (`no_handler`), and never asks a wildcard handler. A bytes message goes to the
 * `bytes` route, under its type. A handler registered with `onMessage` later
 * still works: nanoevents pushes onto what it reads, and the pushed handler is then
 * stored as that type's own.
 */
export function routeEveryType(room: Room, route: MessageRoute, bytes: MessageRoute, keeps: (type: string) => boolean): void {
  const registry = (room as unknown as { onMessageEvents: Registry }).onMessageEvents;
  // The handlers of the types this actor has, made at their first message and kept (one per command used, at most).
  let kept: Map<string, Handler[]> | undefined;
  registry.events = new Proxy(registry.events, {
    get(target, key) {
      if (typeof key !== 'string' || (target[key]?.length ?? 0) > 0) return target[key as string];
      const known = kept?.get(key);
      if (known) return known;
      const isBytes = key.startsWith(BYTES_PREFIX);
      const type = isBytes ? key.slice(BYTES_PREFIX.length) : key;
      const to = isBytes ? bytes : route;
      const handler: Handler = (client, raw, context) =>
        to(type, client as Client, raw, isRequest(context as RequestContext) ? (context as RequestContext) : undefined);
      const handlers = [handler];
      Object.defineProperty(handlers, 'push', {
        value: (...added: Handler[]) => {
          kept?.delete(key);
          target[key] = [...(target[key] ?? []), ...added];
          return target[key]!.length;
        },
      });
      // Unknown types are not kept: a client choosing them must not grow the actor.
      if (!isBytes && keeps(type)) (kept ??= new Map()).set(key, handlers);
      return handlers;
    },
  });
}
