import { randomUUID } from 'node:crypto';
import { Client, type Room } from '@colyseus/sdk';
import type { TokenPair } from '../../contracts/auth';
import { ServerMessageType, type ErrorMessage, type ReplyMessage } from '../../contracts/common';
import { SESSION_ROOM, SessionEventType, type SessionReadyMessage, type UserEventMessage } from '../../contracts/session';
import { settleWithin } from '../../services/commandDeadline';

export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export function postJson<T = unknown>(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
  return requestJson<T>(baseUrl, 'POST', path, { body, headers });
}

/** Any JSON request; `token` goes in as a bearer token, `headers` last (they may override). */
export async function requestJson<T = unknown>(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  Object.assign(headers, options.headers);
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed as T };
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}@kismet.test`;
}

export const TEST_PASSWORD = 'correct horse battery';

export async function registerUser(
  baseUrl: string,
  email = uniqueEmail(),
  role: 'member' | 'recruiter' = 'member',
): Promise<TokenPair & { email: string }> {
  const result = await postJson<TokenPair>(baseUrl, '/auth/register', { email, password: TEST_PASSWORD, role });
  if (result.status !== 201) throw new Error(`register failed: ${result.status} ${JSON.stringify(result.body)}`);
  return { ...result.body, email };
}

/** A connected device: its SDK room, and everything the session sent it. */
export interface Device {
  readonly room: Room;
  readonly ready: SessionReadyMessage;
  readonly received: Array<{ type: string | number; message: unknown }>;
}

export async function connectDevice(baseUrl: string, user: { userId: string; accessToken: string }, deviceId: string): Promise<Device> {
  const joined = await joinActor(baseUrl, user.accessToken, SESSION_ROOM, { userId: user.userId, deviceId }, SessionEventType.READY);
  return { room: joined.room, ready: joined.ready as SessionReadyMessage, received: joined.received };
}

/** A connection to any actor: its SDK room, its ready message, and everything it sent. */
export interface ActorConnection<Ready = unknown> {
  readonly room: Room;
  readonly ready: Ready;
  readonly received: Array<{ type: string | number; message: unknown }>;
}

/** Joins (or creates) an actor through the node at `baseUrl` and waits for its `readyType` message. */
export async function joinActor<Ready = unknown>(
  baseUrl: string,
  accessToken: string,
  roomName: string,
  options: Record<string, unknown>,
  readyType: string,
): Promise<ActorConnection<Ready>> {
  const client = new Client(baseUrl);
  client.http.authToken = accessToken;
  const room = await client.joinOrCreate(roomName, options);
  const received: Array<{ type: string | number; message: unknown }> = [];
  const ready = new Promise<Ready>((resolve) => {
    room.onMessage('*', (type, message) => {
      received.push({ type, message });
      if (type === readyType) resolve(message as Ready);
    });
  });
  return { room, ready: await withTimeout(ready, 10_000, readyType), received };
}

/** Leaves the actor if still connected (the SDK's leave never settles on a closed room). */
export async function disconnect(device: { readonly room: Room }): Promise<void> {
  if (device.room.connection?.isOpen) await device.room.leave().catch(() => undefined);
}

/** An `event` message as a test reads it off the wire: any field of its data by name. */
export type ReceivedEvent = Omit<UserEventMessage, 'data'> & { readonly data: Readonly<Record<string, unknown>> };

/** The stream events a device received so far (`event` messages), in arrival order. */
export function eventsOf(device: Device): ReceivedEvent[] {
  return device.received.filter((m) => m.type === SessionEventType.EVENT).map((m) => m.message as ReceivedEvent);
}

/** Resolves once `predicate` holds for the device's events; rejects after `ms`. */
export async function waitForEvents(device: Device, predicate: (events: ReceivedEvent[]) => boolean, ms = 10_000): Promise<ReceivedEvent[]> {
  await waitUntil(() => predicate(eventsOf(device)), ms, () => `events; have ${JSON.stringify(eventsOf(device).map((e) => [e.seq, e.type]))}`);
  return eventsOf(device);
}

/** Polls `condition` until it holds; rejects after `ms`, describing what was awaited. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, ms = 10_000, what: () => string = () => 'a condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sends a command with a ref and resolves with its reply or error. */
export function command(room: Room, type: string, payload: Record<string, unknown> = {}): Promise<ReplyMessage | ErrorMessage> {
  const ref = randomUUID();
  return withTimeout(
    new Promise((resolve) => {
      const offReply = room.onMessage(ServerMessageType.REPLY, (message: ReplyMessage) => {
        if (message.ref === ref) {
          offReply();
          offError();
          resolve(message);
        }
      });
      const offError = room.onMessage(ServerMessageType.ERROR, (message: ErrorMessage) => {
        if (message.ref === ref) {
          offReply();
          offError();
          resolve(message);
        }
      });
      room.send(type, { ...payload, ref });
    }),
    10_000,
    `reply to ${type}`,
  );
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return settleWithin(promise, ms, () => new Error(`timed out waiting for ${what}`));
}

/** The code at the start of a MatchMakeError's message (`CODE: text`). */
export function matchmakeCode(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  return /^([A-Z_]+):/.exec(message)?.[1];
}

export async function expectJoinRefused(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return matchmakeCode(error);
  }
  throw new Error('expected the join to be refused');
}
