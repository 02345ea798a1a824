import assert from 'node:assert/strict';
import { ClientState, Protocol, ResponseStatus, Room, type Client } from '@colyseus/core';
import { encode } from '@colyseus/schema';
import { pack, unpack } from 'msgpackr';
import { routeEveryType, type RequestContext } from '../../rooms/roomRequests';

class BareRoom extends Room {}

/** The types the routed room has commands for. */
const COMMANDS = new Set(['swipe', 'own']);

interface Routed {
  readonly type: string;
  readonly raw: unknown;
  readonly requestId: number | undefined;
}

/** A frame as the SDK sends it: the protocol code, a request's id, the type, the msgpack payload. */
function frame(code: number, type: string, payload: unknown, requestId?: number): Buffer {
  const head = Buffer.alloc(256);
  const it = { offset: 0 };
  head[it.offset++] = code;
  if (requestId !== undefined) encode.number(head, requestId, it);
  encode.string(head, type, it);
  const body = code === Protocol.ROOM_DATA_BYTES ? Buffer.from(payload as Uint8Array) : pack(payload);
  return Buffer.concat([head.subarray(0, it.offset), body]);
}

/** A joined connection whose request answers are kept, decoded. */
function connection(): { client: Client; answers: Array<{ requestId: number; status: number; payload: unknown }> } {
  const answers: Array<{ requestId: number; status: number; payload: unknown }> = [];
  const client = {
    state: ClientState.JOINED,
    sessionId: 's1',
    enqueueRaw(bytes: Uint8Array) {
      const buffer = Buffer.from(bytes);
      const it = { offset: 1 };
      // ROOM_RESPONSE: request id, status, msgpack payload (as the SDK reads it)
      const requestId = buffer[it.offset++]!;
      const status = buffer[it.offset++]!;
      answers.push({ requestId, status, payload: buffer.length > it.offset ? unpack(buffer.subarray(it.offset)) : undefined });
    },
  } as unknown as Client;
  return { client, answers };
}

function deliver(room: Room, client: Client, buffer: Buffer): void {
  (room as unknown as { _onMessage(client: Client, buffer: Buffer): void })._onMessage(client, buffer);
}

function routedRoom(): { room: Room; routed: Routed[]; bytes: Routed[] } {
  const room = new BareRoom();
  const routed: Routed[] = [];
  const bytes: Routed[] = [];
  const keep = (into: Routed[]) => (type: string, _client: Client, raw: unknown, request: RequestContext | undefined) => {
    into.push({ type, raw, requestId: request?.id });
    return { answeredType: type };
  };
  routeEveryType(room, keep(routed), keep(bytes), (type) => COMMANDS.has(type));
  return { room, routed, bytes };
}

/** What Colyseus reads as the room's handlers, by type. */
function handlerMap(room: Room): Record<string, unknown> {
  return (room as unknown as { onMessageEvents: { events: Record<string, unknown> } }).onMessageEvents.events;
}

/** The handler arrays registered for the room, by type (what the routing view stands in front of). */
function registeredTypes(room: Room): string[] {
  return Object.keys(handlerMap(room));
}

describe('one route for every message type of a room', () => {
  it('hands messages and requests of any type to the route, as Colyseus decodes them, and answers requests with what it returns', () => {
    const { room, routed, bytes } = routedRoom();
    const { client, answers } = connection();
    deliver(room, client, frame(Protocol.ROOM_DATA, 'swipe', { toCardId: 'c1' }));
    deliver(room, client, frame(Protocol.ROOM_REQUEST, 'no.such.type', { ref: 'r' }, 7));
    deliver(room, client, frame(Protocol.ROOM_DATA_BYTES, 'swipe', new Uint8Array([1, 2, 3])));
    assert.deepEqual(routed, [
      { type: 'swipe', raw: { toCardId: 'c1' }, requestId: undefined },
      { type: 'no.such.type', raw: { ref: 'r' }, requestId: 7 },
    ]);
    assert.equal(bytes.length, 1);
    assert.equal(bytes[0]!.type, 'swipe', 'a bytes message reaches its own route, by its type');
    assert.deepEqual(answers, [{ requestId: 7, status: ResponseStatus.OK, payload: { answeredType: 'no.such.type' } }]);
  });

  it('keeps a handler only for the commands the room has, made at their first message, however many other types arrive', () => {
    const { room, routed } = routedRoom();
    const { client } = connection();
    for (let i = 0; i < 50; i++) deliver(room, client, frame(Protocol.ROOM_DATA, `type.${i}`, { i }));
    deliver(room, client, frame(Protocol.ROOM_DATA, 'swipe', {}));
    assert.equal(routed.length, 51);
    assert.deepEqual(registeredTypes(room), []);
    const handlers = handlerMap(room);
    assert.equal(handlers['swipe'], handlers['swipe'], 'a command keeps its handler');
    assert.notEqual(handlers['type.7'], handlers['type.7'], 'another type gets one only while it is read');
  });

  it('lets a handler registered with onMessage later take its type, and only its type', () => {
    const { room, routed } = routedRoom();
    const { client } = connection();
    const own: unknown[] = [];
    room.onMessage('own', (_client, message) => own.push(message));
    deliver(room, client, frame(Protocol.ROOM_DATA, 'own', { n: 1 }));
    deliver(room, client, frame(Protocol.ROOM_DATA, 'other', { n: 2 }));
    assert.deepEqual(own, [{ n: 1 }]);
    assert.deepEqual(routed.map((r) => r.type), ['other']);
    assert.deepEqual(registeredTypes(room), ['own']);
  });
});
