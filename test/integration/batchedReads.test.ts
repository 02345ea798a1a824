import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../db/database';
import { findErasedSince } from '../../db/repositories/messageRepository';
import { findThreadAccesses, loadThreads } from '../../db/repositories/threadRepository';
import { findAccountStatuses, findSessionStarts } from '../../db/repositories/userRepository';
import type { ReadResult, SendResult } from '../../contracts/chat';
import { command, disconnect, waitUntil } from '../support/accounts';
import { inBatches } from '../support/batches';
import { liveActors, useTestCluster } from '../support/cluster';
import { joinThread, matchedPair, replyOf, type Person, type ThreadConnection } from '../support/matches';

const THREADS = 30;

/** Thread t's history: the first member sends 1–4 messages, then the second 0–2, and on even threads the second has read the first message. */
const sentByA = (t: number) => (t % 4) + 1;
const sentByB = (t: number) => t % 3;
const readByB = (t: number) => (t % 2 === 0 ? 1 : 0);

interface Thread {
  readonly a: Person;
  readonly b: Person;
  readonly matchId: string;
}

/**
 * Actors created together on a node load together (db/threadReads,
 * db/sessionLedger): their door checks and their start reads share statements.
 * Every thread must still start from its own history (numbers, unread counts,
 * read markers, the client ids that answer a resend), and every session from its
 * own user's standing.
 */
describe('actors opened together start from their own state', function () {
  // No linger: the threads' actors go as soon as their members leave, so the burst creates them all again.
  const suite = useTestCluster(2, { ACTOR_LINGER_MS: '0' });
  let threads: Thread[] = [];

  before(async function () {
    const [first, second] = suite.nodes.map((n) => n.url) as [string, string];
    threads = await inBatches(Array.from({ length: THREADS }), 10, () => matchedPair(first, [first, second]));
    await inBatches(threads, 10, async ({ a, b, matchId }, t) => {
      const [ta, tb] = await Promise.all([joinThread(first, a, matchId), joinThread(first, b, matchId)]);
      try {
        for (let k = 0; k < sentByA(t); k++) replyOf<SendResult>(await command(ta.room, 'send', { clientMessageId: `a-${k}`, kind: 'text', body: `a ${k}` }));
        for (let k = 0; k < sentByB(t); k++) replyOf<SendResult>(await command(tb.room, 'send', { clientMessageId: `b-${k}`, kind: 'text', body: `b ${k}` }));
        if (readByB(t) > 0) replyOf<ReadResult>(await command(tb.room, 'read', { seq: readByB(t) }));
      } finally {
        await Promise.all([disconnect(ta), disconnect(tb)]);
      }
    });
    await waitUntil(async () => (await liveActors(suite.nodes, 'chat')) === 0, 20_000, () => 'every thread actor gone');
  });

  it('one read of many threads gives each its own history, and each door check its own answer', async () => {
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 2 });
    try {
      const ids = threads.map((t) => t.matchId);
      // A thread asked twice and a match that does not exist, among the others.
      const loaded = await loadThreads(database.db, [...ids, randomUUID(), ids[0]!], 3);
      assert.equal(loaded.size, THREADS);
      threads.forEach(({ a, b, matchId }, t) => {
        const thread = loaded.get(matchId)!;
        const lastSeq = sentByA(t) + sentByB(t);
        assert.equal(thread.lastSeq, lastSeq, `thread ${t}'s last sequence`);
        const sent = [
          ...Array.from({ length: sentByA(t) }, (_, k) => ({ senderId: a.userId, clientMessageId: `a-${k}` })),
          ...Array.from({ length: sentByB(t) }, (_, k) => ({ senderId: b.userId, clientMessageId: `b-${k}` })),
        ].map((m, i) => ({ ...m, seq: i + 1 }));
        assert.deepEqual(thread.recent.map(({ senderId, clientMessageId, seq }) => ({ senderId, clientMessageId, seq })), sent.reverse().slice(0, 3), `thread ${t}'s newest client ids`);
        const positions = new Map(thread.members.map((m) => [m.userId, m]));
        assert.deepEqual(positions.get(a.userId)?.unreadSeqs, Array.from({ length: sentByB(t) }, (_, k) => sentByA(t) + k + 1), `thread ${t}: the first member's unread`);
        assert.deepEqual(positions.get(b.userId)?.unreadSeqs, Array.from({ length: sentByA(t) - readByB(t) }, (_, k) => readByB(t) + k + 1), `thread ${t}: the second member's unread`);
        assert.deepEqual([positions.get(a.userId)?.unreadCount, positions.get(b.userId)?.unreadCount], [sentByB(t), sentByA(t) - readByB(t)], `thread ${t}'s unread counts`);
        assert.equal(positions.get(b.userId)?.lastReadSeq, readByB(t));
        assert.deepEqual([positions.get(a.userId)?.hasSent, positions.get(b.userId)?.hasSent], [true, sentByB(t) > 0], `thread ${t}'s senders`);
      });
      const [own, other, stranger, missing] = await findThreadAccesses(database.db, [
        { matchId: ids[0]!, userId: threads[0]!.a.userId },
        { matchId: ids[1]!, userId: threads[1]!.b.userId },
        { matchId: ids[0]!, userId: threads[1]!.a.userId },
        { matchId: randomUUID(), userId: threads[0]!.a.userId },
      ]);
      assert.deepEqual([own?.isMember, other?.isMember, stranger?.isMember, missing], [true, true, false, undefined]);
    } finally {
      await database.close();
    }
  });

  it('one read of many threads’ removed messages gives each its own, removed since the time it asks from', async () => {
    const [first, second, third] = threads.map((t) => t.matchId) as [string, string, string];
    const pool = suite.cluster.pool;
    const removedAt = (matchId: string, seq: number, at: Date) => pool.query('update messages set deleted_at = $3 where match_id = $1 and seq = $2', [matchId, seq, at]);
    const at = Date.parse('2026-12-01T12:00:00Z');
    await removedAt(first, 1, new Date(at - 3_600_000));
    await removedAt(second, 2, new Date(at));
    await removedAt(second, 1, new Date(at + 1_000));
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 2 });
    try {
      const found = await findErasedSince(database.db, [
        { matchId: first, sinceMs: at - 1_800_000 },
        { matchId: first, sinceMs: at - 7_200_000 },
        { matchId: second, sinceMs: at },
        { matchId: second, sinceMs: at + 1 },
        { matchId: third, sinceMs: 0 },
        { matchId: randomUUID(), sinceMs: 0 },
      ]);
      assert.deepEqual(found, [[], [1], [1, 2], [1], [], []]);
    } finally {
      await database.close();
      await pool.query('update messages set deleted_at = null where match_id = any($1::uuid[])', [[first, second]]);
    }
  });

  it('the starts of many sessions, read at once, are each their own user’s', async () => {
    const [hidden, located, plain] = [threads[0]!.a, threads[1]!.b, threads[2]!.a];
    const pool = suite.cluster.pool;
    const locatedAt = new Date('2026-11-30T12:00:00Z');
    await pool.query('update users set shadow_banned = true where id = $1', [hidden.userId]);
    await pool.query('update users set lat = 52.5, lng = 13.4, h3_cell = $2, located_at = $3 where id = $1', [located.userId, '891f1d48177ffff', locatedAt]);
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 2 });
    try {
      const starts = await findSessionStarts(database.db, [hidden.userId, located.userId, plain.userId, randomUUID(), hidden.userId]);
      const hiddenStart = { shadowBanned: true, location: undefined, counterparts: [threads[0]!.b.userId] };
      assert.deepEqual(starts, [
        hiddenStart,
        { shadowBanned: false, location: { lat: 52.5, lng: 13.4, h3Cell: '891f1d48177ffff', atMs: locatedAt.getTime() }, counterparts: [threads[1]!.a.userId] },
        { shadowBanned: false, location: undefined, counterparts: [threads[2]!.b.userId] },
        { shadowBanned: false, location: undefined, counterparts: [] },
        hiddenStart,
      ]);
    } finally {
      await database.close();
      await pool.query('update users set shadow_banned = false where id = $1', [hidden.userId]);
    }
  });

  it('the statuses of many accounts, read at once, are each their own, and one statement whatever their number', async () => {
    const [banned, active] = [threads[3]!.a, threads[4]!.b];
    const pool = suite.cluster.pool;
    await pool.query("update users set status = 'banned' where id = $1", [banned.userId]);
    // One connection: the statements it prepared are the ones these reads sent.
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 1 });
    try {
      const missing = randomUUID();
      for (const ids of [[active.userId], [banned.userId, missing], [active.userId, banned.userId, missing, active.userId]]) {
        const statuses = await findAccountStatuses(database.db, ids);
        assert.deepEqual(
          ids.map((id) => statuses.get(id)),
          ids.map((id) => (id === active.userId ? 'active' : id === banned.userId ? 'banned' : undefined)),
        );
      }
      const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements where statement like '%"status"%from "users"%'`.execute(database.db);
      assert.equal(prepared.rows.length, 1, `prepared:\n${prepared.rows.map((r) => r.statement).join('\n')}`);
    } finally {
      await database.close();
      await pool.query("update users set status = 'active' where id = $1", [banned.userId]);
    }
  });

  it('both members of every thread join at once, through both nodes', async () => {
    const urls = suite.nodes.map((n) => n.url);
    const joined: Array<[ThreadConnection, ThreadConnection]> = await Promise.all(
      threads.map(({ a, b, matchId }, t) => Promise.all([joinThread(urls[t % 2]!, a, matchId), joinThread(urls[(t + 1) % 2]!, b, matchId)])),
    );
    suite.open.push(...joined.flat());
    joined.forEach(([ta, tb], t) => {
      const { a, b, matchId } = threads[t]!;
      const lastSeq = sentByA(t) + sentByB(t);
      for (const ready of [ta.ready, tb.ready]) {
        assert.equal(ready.matchId, matchId);
        assert.equal(ready.lastSeq, lastSeq, `thread ${t}'s last sequence`);
        assert.deepEqual(ready.members.map((m) => m.userId).sort(), [a.userId, b.userId].sort(), `thread ${t}'s members`);
      }
      assert.equal(ta.ready.node, tb.ready.node, `thread ${t} is one actor`);
      assert.equal(ta.ready.unread, sentByB(t), `thread ${t}: the first member has not read the second's messages`);
      assert.equal(tb.ready.unread, sentByA(t) - readByB(t), `thread ${t}: the second member read ${readByB(t)}`);
      assert.deepEqual(tb.ready.readMarkers.filter((m) => m.userId === b.userId).map((m) => m.lastReadSeq), [readByB(t)], `thread ${t}'s read marker`);
    });
    // A resend is answered from the client ids the thread loaded: the first answer again, nothing stored twice.
    await inBatches(joined, 10, async ([ta, tb], t) => {
      const first = replyOf<SendResult>(await command(ta.room, 'send', { clientMessageId: 'a-0', kind: 'text', body: 'a 0' }));
      assert.deepEqual([first.seq, first.repeated], [1, true], `thread ${t}: the first message resent`);
      if (sentByB(t) > 0) {
        const last = replyOf<SendResult>(await command(tb.room, 'send', { clientMessageId: `b-${sentByB(t) - 1}`, kind: 'text', body: 'again' }));
        assert.deepEqual([last.seq, last.repeated], [sentByA(t) + sentByB(t), true], `thread ${t}: the last message resent`);
      }
    });
  });
});
