import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Room } from '@colyseus/sdk';
import { CHAT_ROOM, ChatCommands, ChatEventType } from '../../contracts/chat';
import type { CommandRefusal } from '../../contracts/common';
import { LOBBY_ROOM, LobbyCommands, LobbyEventType } from '../../contracts/deck';
import { LIVE_EVENT_ROOM, LiveEventCommands, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import { SessionCommands } from '../../contracts/session';
import { connectDevice, disconnect, joinActor, registerUser, requestJson, waitUntil, type ActorConnection } from '../support/accounts';
import { useEmbeddedNode } from '../support/backends';
import { UNLIMITED_RATES } from '../support/limits';
import { matchPeople, registerPerson, type Person } from '../support/matches';
import { scheduleEvent } from '../support/liveEvents';

/** Every command of every actor, from the contracts: a new command without a case here fails the last test. */
const COMMANDS: Readonly<Record<string, readonly string[]>> = {
  session: Object.keys(SessionCommands),
  chat: Object.keys(ChatCommands),
  cell: Object.keys(LobbyCommands),
  event: Object.keys(LiveEventCommands),
};
const PROTOCOL = fs.readFileSync(path.resolve(__dirname, '../../../PROTOCOL.md'), 'utf8');
const ADMIN_KEY = randomBytes(24).toString('hex');

/** The SDK's own rejection of a request that Kismet refused: its reason is the coded refusal. */
async function refusal(promise: Promise<unknown>): Promise<CommandRefusal> {
  const error = await promise.then(
    (value) => assert.fail(`expected a refusal, got ${JSON.stringify(value)}`),
    (thrown: unknown) => thrown as Error & { reason?: CommandRefusal },
  );
  assert.equal(error.name, 'rejected', error.message);
  assert.ok(error.reason, 'the refusal travels as the reason');
  return error.reason;
}

describe('commands as requests (room.request of @colyseus/sdk)', function () {
  const suite = useEmbeddedNode({ ...UNLIMITED_RATES, ADMIN_API_KEY: ADMIN_KEY, RATE_LIMITS: 'call=100:100,location=100:100' });
  const answered = new Set<string>();
  const open: Array<{ room: Room }> = [];
  let a: Person;
  let b: Person;
  let matchId: string;

  /** A request that must resolve; counted as answered for its actor. */
  async function ask<T = Record<string, unknown>>(actor: string, connection: { room: Room }, type: string, payload: Record<string, unknown> = {}): Promise<T> {
    const result = (await connection.room.request(type, payload)) as T;
    assert.notEqual(result, undefined, `${actor} ${type} answered`);
    answered.add(`${actor}:${type}`);
    return result;
  }

  before(async () => {
    if (!suite.node) return;
    [a, b] = await Promise.all([registerPerson(suite.node.url, 'A'), registerPerson(suite.node.url, 'B')]);
    matchId = await matchPeople(a, b, [suite.node.url, suite.node.url]);
  });
  after(async () => {
    await Promise.all(open.map((connection) => disconnect(connection)));
  });

  it('session: every command resolves with its result; a refused one rejects with its code', async () => {
    const url = suite.node.url;
    assert.equal((await requestJson(url, 'POST', `/admin/users/${a.userId}`, { token: ADMIN_KEY, body: { isPremium: true } })).status, 200);
    const [phone, other] = [await connectDevice(url, a, 'phone'), await connectDevice(url, b, 'phone')];
    open.push(phone, other);
    assert.deepEqual(await ask('session', phone, 'ready'), phone.ready, 'ready answers session.ready unchanged');
    assert.equal(typeof (await ask<{ serverTime: number }>('session', phone, 'heartbeat')).serverTime, 'number');
    assert.deepEqual(await ask('session', phone, 'presence.set', { status: 'online' }), { presence: 'online' });
    const { h3Cell } = await ask<{ h3Cell: string }>('session', phone, 'location.update', { lat: 12.9716, lng: 77.5946 });
    assert.match(h3Cell, /^[0-9a-f]{15}$/);
    assert.ok(Array.isArray((await ask<{ cards: unknown[] }>('session', phone, 'deck', { cardId: a.card.id })).cards));
    assert.equal((await ask<{ id: string }>('session', phone, 'profile.view', { cardId: b.card.id })).id, b.card.id);
    const stranger = await registerPerson(url, 'C');
    assert.equal((await ask<{ action: string }>('session', phone, 'swipe', { fromCardId: a.card.id, toCardId: stranger.card.id, action: 'pass' })).action, 'pass');
    assert.deepEqual(await ask('session', phone, 'rewind'), { fromCardId: a.card.id, toCardId: stranger.card.id });
    assert.deepEqual(await ask('session', phone, 'events.ack', { seq: 0 }), { ackedSeq: 0 });

    // Calls: answered, declined, cancelled; a token asked for while it rings is refused with its code.
    const answeredCall = await ask<{ callId: string; state: string }>('session', phone, 'call.start', { matchId, media: 'audio' });
    assert.equal(answeredCall.state, 'ringing');
    const early = await refusal(phone.room.request('call.token', { callId: answeredCall.callId }));
    assert.equal(early.code, 'CALL_NOT_RINGING');
    assert.equal((await ask<{ callId: string }>('session', other, 'call.accept', { callId: answeredCall.callId })).callId, answeredCall.callId);
    assert.equal(typeof (await ask<{ token: string }>('session', phone, 'call.token', { callId: answeredCall.callId })).token, 'string');
    assert.equal((await ask<{ state: string }>('session', phone, 'call.end', { callId: answeredCall.callId })).state, 'ended');
    const declined = await ask<{ callId: string }>('session', phone, 'call.start', { matchId });
    assert.equal((await ask<{ state: string }>('session', other, 'call.decline', { callId: declined.callId })).state, 'declined');
    const cancelled = await ask<{ callId: string }>('session', phone, 'call.start', { matchId });
    assert.equal((await ask<{ state: string }>('session', phone, 'call.cancel', { callId: cancelled.callId })).state, 'cancelled');

    // Bad input: coded refusals, and the connection stays usable.
    assert.equal((await refusal(phone.room.request('swipe', { fromCardId: 'not-a-uuid' }))).code, 'INVALID_MESSAGE');
    assert.equal((await refusal(phone.room.request('no.such.command', {}))).code, 'UNKNOWN_MESSAGE_TYPE');
    assert.equal((await refusal(phone.room.request('profile.view', { cardId: randomUUID() }))).code, 'CARD_NOT_FOUND');
    assert.equal((await refusal(phone.room.request('heartbeat', { text: 'a\u0000b' }))).code, 'INVALID_MESSAGE');
    assert.equal(typeof (await ask<{ serverTime: number }>('session', phone, 'heartbeat')).serverTime, 'number');
  });

  it('keeps the ref envelope: a plain message with a ref gets reply or error, never a request answer', async () => {
    const phone = await connectDevice(suite.node.url, a, 'tablet');
    open.push(phone);
    phone.room.send('heartbeat', { ref: 'h1' });
    phone.room.send('no.such.command', { ref: 'u1' });
    await waitUntil(() => phone.received.filter((m) => m.type === 'reply' || m.type === 'error').length === 2);
    const reply = phone.received.find((m) => m.type === 'reply')!.message as { ref: string; ok: boolean };
    const error = phone.received.find((m) => m.type === 'error')!.message as { ref: string; code: string };
    assert.deepEqual([reply.ref, reply.ok], ['h1', true]);
    assert.deepEqual([error.ref, error.code], ['u1', 'UNKNOWN_MESSAGE_TYPE']);
    // A request is answered as a request alone: no reply message besides.
    await ask('session', phone, 'heartbeat', { ref: 'h2' });
    await phone.room.request('heartbeat');
    assert.equal(phone.received.filter((m) => m.type === 'reply').length, 1);
  });

  it('chat: every command resolves; ready answers thread.ready to a handler registered late', async () => {
    const thread = await joinActor(suite.node.url, a.accessToken, CHAT_ROOM, { matchId }, ChatEventType.READY);
    const theirs = await joinActor(suite.node.url, b.accessToken, CHAT_ROOM, { matchId }, ChatEventType.READY);
    open.push(thread, theirs);
    assert.deepEqual(await ask('chat', thread, 'ready'), thread.ready);
    const sent = await ask<{ seq: number }>('chat', thread, 'send', { clientMessageId: randomUUID(), kind: 'text', body: 'hello' });
    assert.equal(sent.seq, 1);
    assert.equal((await ask<{ messages: unknown[] }>('chat', theirs, 'history', {})).messages.length, 1);
    assert.equal((await ask<{ messages: unknown[] }>('chat', theirs, 'sync', { afterSeq: 0 })).messages.length, 0, 'nothing before ready');
    assert.deepEqual(await ask('chat', theirs, 'typing', { active: true }), { relayed: true });
    assert.equal((await ask<{ lastReadSeq: number }>('chat', theirs, 'read', { seq: 1 })).lastReadSeq, 1);
    assert.equal((await refusal(theirs.room.request('delete', { seq: 1 }))).code, 'NOT_YOUR_MESSAGE');
    assert.deepEqual(await ask('chat', thread, 'delete', { seq: 1 }), { seq: 1, deleted: true });
  });

  it('lobby: every command resolves', async () => {
    const phone = await connectDevice(suite.node.url, a, 'watch');
    open.push(phone);
    const cell = (await phone.room.request('ready')) as { cell: string };
    const lobby = await joinActor(suite.node.url, a.accessToken, LOBBY_ROOM, { cell: cell.cell }, LobbyEventType.READY);
    open.push(lobby);
    assert.deepEqual(await ask('cell', lobby, 'ready'), lobby.ready);
    assert.equal((await ask<{ cell: string }>('cell', lobby, 'nearby')).cell, cell.cell);
  });

  it('live event: every command resolves; a host-only one rejects NOT_A_HOST for an attendee', async () => {
    const url = suite.node.url;
    const { recruiter, eventId } = await scheduleEvent(url, 10);
    const guest = await registerUser(url);
    assert.equal((await requestJson(url, 'POST', `/events/${eventId}/registrations`, { token: guest.accessToken })).status, 201);
    const host = await joinActor(url, recruiter.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    const seat = await joinActor<LiveEventReady>(url, guest.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    const { alias } = seat.ready;
    open.push(host, seat);
    assert.deepEqual(await ask('event', seat, 'ready'), seat.ready);
    assert.deepEqual(await ask('event', seat, 'hand.raise'), { hands: [alias] });
    assert.deepEqual(await ask('event', seat, 'hand.lower'), { hands: [] });
    assert.equal((await refusal(seat.room.request('promote', { alias }))).code, 'NOT_A_HOST');
    assert.equal((await ask<{ role: string }>('event', host, 'promote', { alias })).role, 'speaker');
    assert.equal((await ask<{ role: string }>('event', host, 'demote', { alias })).role, 'audience');
    await ask('event', host, 'mute', { alias });
    assert.equal((await ask<{ alias: string }>('event', host, 'breakout', { alias, durationS: 60 })).alias, alias);
    await ask('event', seat, 'say', { text: 'hello' });
    assert.deepEqual(await ask('event', host, 'slow.mode', { seconds: 0 }), { seconds: 0 });
    await ask('event', host, 'remove', { alias });
  });

  it('has answered every command in the contracts, and PROTOCOL.md lists each', function () {
    if (answered.size === 0) this.skip(); // the suite's node never started (skipped above)
    for (const [actor, types] of Object.entries(COMMANDS)) {
      for (const type of types) {
        assert.ok(answered.has(`${actor}:${type}`), `${actor} command "${type}" was never answered through room.request`);
        assert.ok(PROTOCOL.includes(`\`${type}\``), `PROTOCOL.md does not list the ${actor} command "${type}"`);
      }
    }
  });
});
