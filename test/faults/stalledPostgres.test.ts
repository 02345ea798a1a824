import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BatchedChatStore } from '../../db/batchedChatStore';
import { BatchedSwipeStore, SWIPE_COMMIT_LIMITS } from '../../db/batchedSwipeStore';
import { openDatabase, type DatabaseHandle } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { ErrorCode } from '../../domain/errors';
import { aPass } from '../../loadtest/scenarios/stall';
import { waitUntil } from '../support/accounts';
import { codesOf } from '../support/faultChecks';
import { privateServicesOrSkip, startPrivatePostgres, type PrivatePostgres } from '../support/privateServices';

/** As a node's statements: one unanswered for this long fails, and the caller is refused UNAVAILABLE. */
const QUERY_TIMEOUT_MS = 500;

const aMessage = (matchId: string) => ({
  matchId,
  expectedLastSeq: 0,
  messages: [{ senderId: randomUUID(), clientMessageId: randomUUID(), kind: 'text' as const, body: 'hello', mediaUrl: null, hidden: false }],
  notify: [],
});

/**
 * A Postgres that stops answering with its connections open (SIGSTOP, as a host
 * that froze): the write out fails after the query timeout, and everything queued
 * behind it is refused UNAVAILABLE with it, rather than sent to the same stalled
 * server a batch after another, each waiting a timeout of its own.
 */
describe('faults: a stalled Postgres under a node’s shared writes', function () {
  let postgres: PrivatePostgres | undefined;
  let database: DatabaseHandle | undefined;

  before(async function () {
    const binaries = privateServicesOrSkip(this);
    if (!binaries) return;
    postgres = await startPrivatePostgres(binaries.pgBin);
    database = await openDatabase({ kind: 'postgres', url: postgres.url, poolSize: 2 }, { connectTimeoutMs: QUERY_TIMEOUT_MS });
    await migrateToLatest(database.db);
    database.limitQueries(QUERY_TIMEOUT_MS);
  });

  afterEach(() => postgres?.resume());

  after(async () => {
    await database?.close();
    await postgres?.destroy();
  });

  it('swipes queued behind a flush to it are refused with that flush, in no further flush, and stored again once it answers', async () => {
    const flushes: number[] = [];
    const store = new BatchedSwipeStore(database!.db, (swipes) => flushes.push(swipes));
    assert.equal((await store.record(aPass())).kind, 'gone');
    postgres!.stall();
    const first = store.record(aPass());
    await waitUntil(() => flushes.length === 2, 10_000, () => 'the flush to the stalled server');
    // More than two flushes carry: without the shared refusal they would go out one after another.
    const queued = Array.from({ length: 2 * SWIPE_COMMIT_LIMITS.maxBatch + 500 }, () => store.record(aPass()));
    assert.deepEqual(codesOf(await Promise.allSettled([first, ...queued])), [ErrorCode.UNAVAILABLE]);
    assert.deepEqual(flushes, [1, 1], 'the swipes queued behind the flush were sent to the stalled server');
    postgres!.resume();
    assert.equal((await store.record(aPass())).kind, 'gone');
  });

  it('threads’ messages queued behind a commit to it are refused with that commit, in no further commit, and stored again once it answers', async () => {
    const commits: number[] = [];
    const store = new BatchedChatStore(database!.db, (threads) => commits.push(threads));
    assert.equal((await store.store(aMessage(randomUUID()))).kind, 'closed'); // no such match: nothing stored
    postgres!.stall();
    const first = store.store(aMessage(randomUUID()));
    await waitUntil(() => commits.length === 2, 10_000, () => 'the commit to the stalled server');
    const queued = Array.from({ length: 250 }, () => store.store(aMessage(randomUUID())));
    assert.deepEqual(codesOf(await Promise.allSettled([first, ...queued])), [ErrorCode.UNAVAILABLE]);
    assert.deepEqual(commits, [1, 1], 'the threads queued behind the commit were sent to the stalled server');
    postgres!.resume();
    assert.equal((await store.store(aMessage(randomUUID()))).kind, 'closed');
  });
});
