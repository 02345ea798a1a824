import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  ChatEventType,
  type ChatMessage,
  type DeletedMessage,
  type MessagePage,
  type MessageReceivedData,
  type ReadResult,
  type SendResult,
  type ThreadClosedMessage,
  type TypingMessage,
  type TypingResult,
} from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import type { ThreadSummary } from '../../db/repositories/threadRepository';
import { MAX_PAGE_SIZE, MAX_TEXT_CHARS } from '../../domain/chatRules';
import { UNREAD_KEPT } from '../../domain/threadLedger';
import { REMEMBERED_KEYS } from '../../rooms/chat/threadWriter';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { command, connectDevice, disconnect, eventsOf, expectJoinRefused, registerUser, requestJson, waitForEvents, waitUntil, type Device } from '../support/accounts';
import { BACKENDS } from '../support/backends';
import { liveActors, metricValue } from '../support/cluster';
import { codeOf, joinThread, matchedPair, messagesOfType, replyOf, type ThreadConnection } from '../support/matches';
import { UNLIMITED_RATES } from '../support/limits';

for (const backend of BACKENDS) {
  describe(`chat threads on ${backend.name}`, function () {
    let node: NodeHandle;
    let teardown: () => Promise<void> = async () => {};
    const open: Array<{ room: ThreadConnection['room'] }> = [];

    const join = async (...args: Parameters<typeof joinThread>) => {
      const connection = await joinThread(...args);
      open.push(connection);
      return connection;
    };
    const connect = async (user: Parameters<typeof connectDevice>[1], deviceId: string): Promise<Device> => {
      const device = await connectDevice(node.url, user, deviceId);
      open.push(device);
      return device;
    };
    const send = async (thread: ThreadConnection, body: string, clientMessageId = randomUUID()) =>
      replyOf<SendResult>(await command(thread.room, 'send', { clientMessageId, kind: 'text', body }));
    const history = async (thread: ThreadConnection, payload: Record<string, unknown> = {}) =>
      replyOf<MessagePage>(await command(thread.room, 'history', payload));
    /** Everyone leaves the thread and its actor is gone (it lingers a while): the next one starts from storage. */
    const leaveAll = async (...threads: ThreadConnection[]) => {
      const before = await liveActors([node], 'chat');
      await Promise.all(threads.map(disconnect));
      await waitUntil(async () => (await liveActors([node], 'chat')) === before - 1, 30_000, () => 'the thread actor gone');
    };
    const closedWith = (thread: ThreadConnection) =>
      new Promise<number>((resolve) => thread.room.onLeave((code) => resolve(code)));

    before(async function () {
      const setup = await backend.setup(this);
      if (!setup) return;
      teardown = setup.teardown;
      node = await startNodeProcess({ ...setup.env, ...UNLIMITED_RATES });
    });

    after(async () => {
      await Promise.all(open.map(disconnect));
      await node?.stop();
      await teardown();
    });

    it('stores, acknowledges and delivers a message to the other member', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      const [ta, tb] = [await join(node.url, a, matchId), await join(node.url, b, matchId)];
      assert.deepEqual([ta.ready.matchId, ta.ready.lastSeq, tb.ready.unread], [matchId, 0, 0]);
      const first = await send(ta, 'hello');
      assert.deepEqual([first.seq, first.repeated], [1, false]);
      await waitUntil(() => messagesOfType(tb, ChatEventType.MESSAGE).length === 1);
      const delivered = messagesOfType<ChatMessage>(tb, ChatEventType.MESSAGE)[0]!;
      assert.deepEqual(
        [delivered.seq, delivered.senderId, delivered.body, delivered.kind, delivered.deleted, delivered.at],
        [1, a.userId, 'hello', 'text', false, first.at],
      );
      const media = replyOf<SendResult>(
        await command(tb.room, 'send', { clientMessageId: 'm-1', kind: 'media', mediaUrl: 'https://cdn.example/p.jpg', body: 'caption' }),
      );
      assert.equal(media.seq, 2);
      // The sender hears its own message only as the reply.
      assert.equal(messagesOfType(ta, ChatEventType.MESSAGE).length, 1);
      // Operators see the thread and the two messages (this is the node's first thread).
      assert.equal(await metricValue(node, /^kismet_chat_messages_stored_total\{/), 2);
      assert.equal(await liveActors([node], 'chat'), 1);
      assert.deepEqual((await history(ta)).messages.map((m) => [m.seq, m.kind, m.mediaUrl]), [[1, 'text', null], [2, 'media', 'https://cdn.example/p.jpg']]);
    });

    it('answers a resend with the first sequence and stores nothing new', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      const tb = await join(node.url, b, matchId);
      const id = randomUUID();
      const [x, y] = await Promise.all([send(ta, 'once', id), send(ta, 'once', id)]); // in flight together
      const z = await send(ta, 'once', id); // after it is stored
      assert.deepEqual([x.seq, y.seq, z.seq], [1, 1, 1]);
      assert.deepEqual([x.repeated, y.repeated, z.repeated].sort(), [false, true, true]);
      assert.equal((await send(ta, 'next')).seq, 2);
      // The same client id from the other member is a different message.
      assert.equal((await send(tb, 'mine', id)).seq, 3);
      assert.deepEqual((await history(ta)).messages.map((m) => [m.seq, m.body]), [[1, 'once'], [2, 'next'], [3, 'mine']]);
      // Long after: the thread no longer remembers the id, storage does.
      await Promise.all(Array.from({ length: REMEMBERED_KEYS }, (_, i) => send(ta, `filler ${i}`)));
      const late = await send(ta, 'once', id);
      assert.deepEqual([late.seq, late.repeated], [1, true]);
      assert.equal((await send(ta, 'last')).seq, 4 + REMEMBERED_KEYS);
    });

    it('refuses malformed, oversized and unknown messages with codes and stores nothing', async () => {
      const { a, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      await send(ta, 'before');
      const cases: Array<[string, string, Record<string, unknown>, string]> = [
        ['oversized text', 'send', { clientMessageId: 'c1', kind: 'text', body: 'x'.repeat(MAX_TEXT_CHARS + 1) }, 'MESSAGE_TOO_LARGE'],
        ['oversized media url', 'send', { clientMessageId: 'c2', kind: 'media', mediaUrl: `https://cdn.example/${'x'.repeat(3000)}` }, 'MESSAGE_TOO_LARGE'],
        ['empty text', 'send', { clientMessageId: 'c3', kind: 'text', body: '   ' }, 'INVALID_MESSAGE'],
        ['media over http', 'send', { clientMessageId: 'c4', kind: 'media', mediaUrl: 'http://cdn.example/p.jpg' }, 'INVALID_MESSAGE'],
        ['text with media url', 'send', { clientMessageId: 'c5', kind: 'text', body: 'x', mediaUrl: 'https://cdn.example/p.jpg' }, 'INVALID_MESSAGE'],
        ['unknown kind', 'send', { clientMessageId: 'c6', kind: 'sticker', body: 'x' }, 'INVALID_MESSAGE'],
        ['no client id', 'send', { kind: 'text', body: 'x' }, 'INVALID_MESSAGE'],
        ['bad client id', 'send', { clientMessageId: 'has spaces', kind: 'text', body: 'x' }, 'INVALID_MESSAGE'],
        ['extra field', 'send', { clientMessageId: 'c7', kind: 'text', body: 'x', seq: 99 }, 'INVALID_MESSAGE'],
        ['body not a string', 'send', { clientMessageId: 'c8', kind: 'text', body: 42 }, 'INVALID_MESSAGE'],
        ['negative read', 'read', { seq: -1 }, 'INVALID_MESSAGE'],
        ['delete seq zero', 'delete', { seq: 0 }, 'INVALID_MESSAGE'],
        ['unknown type', 'shout', { body: 'x' }, 'UNKNOWN_MESSAGE_TYPE'],
      ];
      for (const [what, type, payload, code] of cases) assert.equal(codeOf(await command(ta.room, type, payload)), code, what);
      // A bare non-object payload is refused too.
      ta.room.send('send', 'just a string');
      const page = await history(ta);
      assert.deepEqual(page.messages.map((m) => [m.seq, m.body]), [[1, 'before']]);
      assert.equal((await send(ta, 'after')).seq, 2);
    });

    it('refuses a non-member, a malformed id and an unknown thread with codes', async () => {
      const { matchId } = await matchedPair(node.url);
      const stranger = await registerUser(node.url);
      assert.equal(await expectJoinRefused(joinThread(node.url, stranger, matchId)), 'NOT_A_MEMBER');
      assert.equal(await expectJoinRefused(joinThread(node.url, stranger, randomUUID())), 'NOT_A_MEMBER');
      assert.equal(await expectJoinRefused(joinThread(node.url, stranger, 'not-a-uuid')), 'INVALID_ROOM_OPTIONS');
      assert.equal(await expectJoinRefused(joinThread(node.url, { ...stranger, accessToken: 'forged' }, matchId)), 'TOKEN_INVALID');
    });

    it('pages history backwards with a bounded page size', async () => {
      const { a, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      for (let i = 1; i <= 7; i++) await send(ta, `m${i}`);
      const seqs = (page: MessagePage) => page.messages.map((m) => m.seq);
      const newest = await history(ta, { limit: 3 });
      assert.deepEqual([seqs(newest), newest.hasMore], [[5, 6, 7], true]);
      const middle = await history(ta, { beforeSeq: 5, limit: 3 });
      assert.deepEqual([seqs(middle), middle.hasMore], [[2, 3, 4], true]);
      const oldest = await history(ta, { beforeSeq: 2, limit: 3 });
      assert.deepEqual([seqs(oldest), oldest.hasMore], [[1], false]);
      for (let i = 8; i <= MAX_PAGE_SIZE + 5; i++) await send(ta, `m${i}`);
      const capped = await history(ta, { limit: 10_000 });
      assert.deepEqual([capped.messages.length, capped.messages[0]!.seq, capped.hasMore], [MAX_PAGE_SIZE, 6, true]);
    });

    it('gives a reconnecting member exactly what it missed, and the rest live', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      let tb = await join(node.url, b, matchId);
      await send(ta, 'seen');
      await waitUntil(() => messagesOfType(tb, ChatEventType.MESSAGE).length === 1);
      const lastSeen = messagesOfType<ChatMessage>(tb, ChatEventType.MESSAGE)[0]!.seq;
      await disconnect(tb);
      for (let i = 0; i < 5; i++) await send(ta, `missed ${i}`);
      tb = await join(node.url, b, matchId);
      assert.equal(tb.ready.lastSeq, 6);
      const live = await send(ta, 'live');
      const missed = replyOf<MessagePage>(await command(tb.room, 'sync', { afterSeq: lastSeen }));
      assert.deepEqual(missed.messages.map((m) => m.body), ['missed 0', 'missed 1', 'missed 2', 'missed 3', 'missed 4']);
      assert.equal(missed.hasMore, false);
      await waitUntil(() => messagesOfType(tb, ChatEventType.MESSAGE).length === 1);
      assert.deepEqual(messagesOfType<ChatMessage>(tb, ChatEventType.MESSAGE).map((m) => m.seq), [live.seq]);
      const paged = replyOf<MessagePage>(await command(tb.room, 'sync', { afterSeq: lastSeen, limit: 2 }));
      assert.deepEqual([paged.messages.map((m) => m.seq), paged.hasMore], [[2, 3], true]);
    });

    it('relays typing, throttled, and never stores it', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      const tb = await join(node.url, b, matchId);
      assert.equal(replyOf<TypingResult>(await command(ta.room, 'typing', { active: true })).relayed, true);
      assert.equal(replyOf<TypingResult>(await command(ta.room, 'typing', { active: true })).relayed, false);
      assert.equal(replyOf<TypingResult>(await command(ta.room, 'typing', { active: false })).relayed, true);
      assert.equal(replyOf<TypingResult>(await command(ta.room, 'typing', { active: false })).relayed, false);
      await waitUntil(() => messagesOfType(tb, ChatEventType.TYPING).length === 2);
      assert.deepEqual(messagesOfType<TypingMessage>(tb, ChatEventType.TYPING), [{ userId: a.userId, active: true }, { userId: a.userId, active: false }]);
      assert.equal(messagesOfType(ta, ChatEventType.TYPING).length, 0);
      assert.deepEqual((await history(ta)).messages, []);
    });

    it('keeps read markers, broadcasts them, and counts unread across devices and restarts', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      let ta = await join(node.url, a, matchId);
      let tb = await join(node.url, b, matchId);
      for (let i = 1; i <= 4; i++) await send(ta, `m${i}`);
      await send(tb, 'reply'); // seq 5: B's own message is never unread for B
      const read = replyOf<ReadResult>(await command(tb.room, 'read', { seq: 2 }));
      assert.deepEqual(read, { lastReadSeq: 2, unread: 2 });
      await waitUntil(() => messagesOfType(ta, ChatEventType.READ).length === 1);
      assert.deepEqual(messagesOfType(ta, ChatEventType.READ), [{ userId: b.userId, lastReadSeq: 2 }]);
      // Backwards changes nothing; past the end stops at the end.
      assert.deepEqual(replyOf<ReadResult>(await command(tb.room, 'read', { seq: 1 })), { lastReadSeq: 2, unread: 2 });
      const threads = await requestJson<{ threads: ThreadSummary[] }>(node.url, 'GET', '/me/threads', { token: b.accessToken });
      assert.deepEqual(threads.body.threads.map((t) => [t.matchId, t.lastSeq, t.lastReadSeq, t.unread, t.otherUserIds]), [[matchId, 5, 2, 2, [a.userId]]]);
      // Everyone leaves: the next actor starts from storage and agrees.
      await leaveAll(ta, tb);
      tb = await join(node.url, b, matchId);
      ta = await join(node.url, a, matchId);
      assert.equal(tb.ready.unread, 2);
      assert.deepEqual(new Map(tb.ready.readMarkers.map((m) => [m.userId, m.lastReadSeq])), new Map([[a.userId, 0], [b.userId, 2]]));
      assert.deepEqual(replyOf<ReadResult>(await command(tb.room, 'read', { seq: 99 })), { lastReadSeq: 5, unread: 0 });
      assert.equal(ta.ready.unread, 1);
    });

    it('counts unread messages beyond those a thread keeps, live and after a restart, wherever the marker moves', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      let ta = await join(node.url, a, matchId);
      let tb = await join(node.url, b, matchId);
      // A sends 1..last-1, B the last: B's unread are A's, more than the thread keeps.
      const last = UNREAD_KEPT + 6;
      for (let i = 1; i < last; i++) await send(ta, `m${i}`);
      await send(tb, 'mine');
      const read = async (seq: number) => replyOf<ReadResult>(await command(tb.room, 'read', { seq }));
      // Below the newest kept: what stays unread is counted in storage.
      assert.deepEqual(await read(3), { lastReadSeq: 3, unread: last - 1 - 3 });
      await leaveAll(ta, tb);
      tb = await join(node.url, b, matchId);
      ta = await join(node.url, a, matchId);
      assert.equal(tb.ready.unread, last - 1 - 3, 'the restarted thread counts them all');
      assert.deepEqual(await read(5), { lastReadSeq: 5, unread: last - 1 - 5 });
      assert.deepEqual(await read(last - 3), { lastReadSeq: last - 3, unread: 2 });
      const threads = await requestJson<{ threads: ThreadSummary[] }>(node.url, 'GET', '/me/threads', { token: b.accessToken });
      assert.deepEqual(threads.body.threads.map((t) => [t.matchId, t.lastReadSeq, t.unread]), [[matchId, last - 3, 2]]);
    });

    it('deletes a message for everyone when its sender asks, keeping its sequence', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      const tb = await join(node.url, b, matchId);
      const id = randomUUID();
      await send(ta, 'oops', id);
      await send(ta, 'fine');
      assert.equal(codeOf(await command(tb.room, 'delete', { seq: 1 })), 'NOT_YOUR_MESSAGE');
      assert.equal(codeOf(await command(ta.room, 'delete', { seq: 9 })), 'MESSAGE_NOT_FOUND');
      assert.deepEqual(replyOf(await command(ta.room, 'delete', { seq: 1 })), { seq: 1, deleted: true });
      await waitUntil(() => messagesOfType(tb, ChatEventType.DELETED).length === 1);
      assert.deepEqual(messagesOfType<DeletedMessage>(tb, ChatEventType.DELETED), [{ seq: 1 }]);
      const page = await history(tb);
      assert.deepEqual(page.messages.map((m) => [m.seq, m.body, m.deleted]), [[1, null, true], [2, 'fine', false]]);
      // A resend of the deleted message does not bring it back.
      assert.deepEqual(await send(ta, 'oops', id), { seq: 1, at: page.messages[0]!.at, repeated: true });
    });

    it('erases a deleted message from the stored notices of members who were away', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      await send(ta, 'something I regret');
      await send(ta, 'hello');
      replyOf(await command(ta.room, 'delete', { seq: 1 }));
      const phone = await connect(b, 'phone');
      await waitForEvents(phone, (es) => es.filter((e) => e.type === 'message.received').length === 2);
      const notices = eventsOf(phone).filter((e) => e.type === 'message.received').map((e) => e.data as unknown as MessageReceivedData & { deleted?: boolean });
      assert.deepEqual(notices.map((d) => [d.seq, d.preview, d.deleted ?? false]), [[1, '', true], [2, 'hello', false]]);
    });

    it('tells a member outside the thread through their session, with the unread count, on every device', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      const phone = await connect(b, 'phone');
      for (let i = 1; i <= 3; i++) await send(ta, `hi ${i}`);
      const received = (device: Device) =>
        eventsOf(device).filter((e) => e.type === 'message.received').map((e) => e.data as unknown as MessageReceivedData);
      await waitForEvents(phone, () => received(phone).length === 3);
      assert.deepEqual(received(phone).map((d) => [d.matchId, d.seq, d.senderId, d.preview, d.unread]), [
        [matchId, 1, a.userId, 'hi 1', 1],
        [matchId, 2, a.userId, 'hi 2', 2],
        [matchId, 3, a.userId, 'hi 3', 3],
      ]);
      // A second device gets the same from storage.
      const tablet = await connect(b, 'tablet');
      await waitForEvents(tablet, () => received(tablet).length === 3);
      // Reading on one device updates the other devices' count.
      const tb = await join(node.url, b, matchId);
      assert.equal(tb.ready.unread, 3);
      replyOf(await command(tb.room, 'read', { seq: 2 }));
      await waitForEvents(tablet, (es) => es.some((e) => e.type === 'thread.read'));
      assert.deepEqual(eventsOf(tablet).find((e) => e.type === 'thread.read')!.data, { matchId, lastReadSeq: 2, unread: 1 });
      // While B is in the thread, nothing more goes through the session.
      await send(ta, 'in the thread');
      await waitUntil(() => messagesOfType(tb, ChatEventType.MESSAGE).length === 1);
      assert.equal(received(phone).length, 3);
    });

    it('closes the thread for both members at once on unmatch, and refuses it afterwards', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      const tb = await join(node.url, b, matchId);
      const session = await connect(b, 'phone');
      await send(ta, 'bye?');
      const [closedA, closedB] = [closedWith(ta), closedWith(tb)];
      const unmatch = await requestJson<{ status: string }>(node.url, 'DELETE', `/me/matches/${matchId}`, { token: a.accessToken });
      assert.deepEqual([unmatch.status, unmatch.body.status], [200, 'unmatched']);
      assert.deepEqual(await Promise.all([closedA, closedB]), [KismetCloseCode.THREAD_CLOSED, KismetCloseCode.THREAD_CLOSED]);
      assert.deepEqual(messagesOfType<ThreadClosedMessage>(tb, ChatEventType.CLOSED), [{ matchId, code: 'UNMATCHED' }]);
      await waitForEvents(session, (es) => es.some((e) => e.type === 'match.ended'));
      assert.deepEqual(eventsOf(session).find((e) => e.type === 'match.ended')!.data, { matchId, otherUserIds: [a.userId] });
      assert.equal(await expectJoinRefused(joinThread(node.url, b, matchId)), 'UNMATCHED');
      assert.equal(await expectJoinRefused(joinThread(node.url, a, matchId)), 'UNMATCHED');
      const again = await requestJson<{ status: string }>(node.url, 'DELETE', `/me/matches/${matchId}`, { token: b.accessToken });
      assert.deepEqual([again.status, again.body.status], [200, 'unmatched']);
      const stranger = await registerUser(node.url);
      const refused = await requestJson<{ code: string }>(node.url, 'DELETE', `/me/matches/${matchId}`, { token: stranger.accessToken });
      assert.deepEqual([refused.status, refused.body.code], [404, 'MATCH_NOT_FOUND']);
    });

    it('closes the thread on a block: the blocker is told BLOCKED, the member blocked UNMATCHED, as after an unmatch', async () => {
      const { a, b, matchId } = await matchedPair(node.url);
      const ta = await join(node.url, a, matchId);
      const tb = await join(node.url, b, matchId);
      const closed = [closedWith(ta), closedWith(tb)];
      const block = await requestJson<{ endedMatches: string[] }>(node.url, 'POST', '/me/blocks', { token: b.accessToken, body: { userId: a.userId } });
      assert.deepEqual([block.status, block.body.endedMatches], [200, [matchId]]);
      assert.deepEqual(await Promise.all(closed), [KismetCloseCode.THREAD_CLOSED, KismetCloseCode.THREAD_CLOSED]);
      assert.deepEqual(messagesOfType<ThreadClosedMessage>(ta, ChatEventType.CLOSED), [{ matchId, code: 'UNMATCHED' }]);
      assert.deepEqual(messagesOfType<ThreadClosedMessage>(tb, ChatEventType.CLOSED), [{ matchId, code: 'BLOCKED' }]);
      assert.equal(await expectJoinRefused(joinThread(node.url, a, matchId)), 'UNMATCHED');
      assert.equal(await expectJoinRefused(joinThread(node.url, b, matchId)), 'BLOCKED');
    });
  });
}
