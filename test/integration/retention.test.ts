import assert from 'node:assert/strict';
import type { CardView } from '../../contracts/cards';
import type { DeckResult } from '../../contracts/deck';
import { KismetCloseCode } from '../../contracts/common';
import { ERASING, eraseAccount } from '../../db/repositories/accountErasureRepository';
import { harnessEmailKeys } from '../support/emailKeys';
import { RETENTION_LOCK_KEY } from '../../db/repositories/retentionRepository';
import type { TokenPair } from '../../contracts/auth';
import { destinationPoint } from '../../domain/geo';
import { command, connectDevice, eventsOf, postJson, registerUser, requestJson, waitForEvents, waitUntil, type Device } from '../support/accounts';
import { metricValue, useTestCluster } from '../support/cluster';
import { useClusterDatabase } from '../support/clusterDatabase';
import { deckAnswer, deckIds, deckOf, personAt } from '../support/discovery';
import { codeOf, registerPerson, replyOf, type Person } from '../support/matches';

describe('retention of stored events across two nodes', function () {
  // A day of retention, tried every 200 ms by each node; the test ages events by hand.
  const suite = useTestCluster(2, { STORED_EVENT_RETENTION_DAYS: '1', RETENTION_PRUNE_INTERVAL_MS: '200' });
  const urls = () => [suite.nodes[0].url, suite.nodes[1].url] as const;
  // The test's own connections: an erasure made as a node that stops right after would make it.
  const database = useClusterDatabase(suite);

  async function device(url: string, user: Person, id: string): Promise<Device> {
    const connected = await connectDevice(url, user, id);
    suite.open.push(connected);
    return connected;
  }
  async function storedSeqs(userId: string): Promise<number[]> {
    const result = await suite.cluster.pool.query('select seq::int as seq from stored_events where user_id = $1 order by seq', [userId]);
    return result.rows.map((row: { seq: number }) => row.seq);
  }
  const runs = async (outcome: 'busy' | 'pruned') =>
    Promise.all(urls().map((url) => metricValue({ url }, new RegExp(`^kismet_retention_runs_total\\{outcome="${outcome}"`))));
  const seqsOf = (d: Device) => eventsOf(d).filter((e) => e.seq !== null).map((e) => e.seq as number);
  async function likedBy(target: { card: CardView }, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const liker = await registerPerson(urls()[1], `liker ${i}`);
      const d = await device(urls()[1], liker, 'phone');
      replyOf(await command(d.room, 'swipe', { fromCardId: liker.card.id, toCardId: target.card.id, action: 'like' }));
    }
  }

  it('prunes old events a device acknowledged, one node at a time, and a new device still gets the rest', async () => {
    const [n0, n1] = urls();
    const target = await registerPerson(n0, 'T');
    const phone = await device(n0, target, 'phone');
    await likedBy(target, 4);
    await waitForEvents(phone, () => seqsOf(phone).length === 4);
    assert.deepEqual(replyOf(await command(phone.room, 'events.ack', { seq: 2 })), { ackedSeq: 2 });

    // While something else holds the job's lock, neither node prunes, old as the events are.
    const holder = await suite.cluster.pool.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [RETENTION_LOCK_KEY]);
      await suite.cluster.pool.query("update stored_events set created_at = now() - interval '2 days' where user_id = $1", [target.userId]);
      const busyBefore = await runs('busy');
      await waitUntil(async () => (await runs('busy')).every((n, i) => n >= (busyBefore[i] || 0) + 2), 10_000, () => 'both nodes finding the job busy');
      assert.deepEqual(await storedSeqs(target.userId), [1, 2, 3, 4]);
    } finally {
      await holder.query('select pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
      holder.release();
    }

    // Released: what the phone acknowledged goes; what no device acknowledged stays, however old.
    await waitUntil(async () => (await storedSeqs(target.userId)).join() === '3,4', 10_000, () => 'the acknowledged events pruned');
    // The counter moves once the round's delete committed, after the rows are seen gone.
    const prunedInAll = async () => (await Promise.all(urls().map((url) => metricValue({ url }, /^kismet_stored_events_pruned_total/)))).reduce((x, y) => x + y, 0);
    await waitUntil(async () => (await prunedInAll()) >= 2, 10_000, () => 'the pruned events counted');
    assert.equal(await prunedInAll(), 2);

    // A new device starts from what is left; numbering goes on after the gap.
    const laptop = await device(n1, target, 'laptop');
    assert.equal(laptop.ready.latestSeq, 4);
    await waitForEvents(laptop, () => seqsOf(laptop).length >= 2);
    await likedBy(target, 1);
    await waitForEvents(laptop, () => seqsOf(laptop).includes(5));
    await waitForEvents(phone, () => seqsOf(phone).includes(5));
    assert.deepEqual(seqsOf(laptop), [3, 4, 5]);
    assert.deepEqual(seqsOf(phone), [1, 2, 3, 4, 5]);

    // Acknowledging 5 delivers 3 and 4 (old: pruned); 5 itself is young and kept through further rounds.
    replyOf(await command(laptop.room, 'events.ack', { seq: 5 }));
    const roundsBefore = await runs('pruned');
    await waitUntil(async () => (await runs('pruned')).reduce((x, y) => x + y, 0) >= roundsBefore.reduce((x, y) => x + y, 0) + 3, 10_000, () => 'more pruning rounds');
    assert.deepEqual(await storedSeqs(target.userId), [5]);
  });

  it('lets the cursor of a device not seen for the retention age go, after the events it acknowledged', async () => {
    const [n0] = urls();
    const target = await registerPerson(n0, 'T');
    const [phone, laptop] = [await device(n0, target, 'phone'), await device(n0, target, 'laptop')];
    await likedBy(target, 4);
    await waitForEvents(phone, () => seqsOf(phone).length === 4);
    await waitForEvents(laptop, () => seqsOf(laptop).length === 4);
    replyOf(await command(phone.room, 'events.ack', { seq: 3 }));
    replyOf(await command(laptop.room, 'events.ack', { seq: 1 }));
    const cursorsOf = async () =>
      (await suite.cluster.pool.query<{ device_id: string }>('select device_id from device_cursors where user_id = $1 order by device_id', [target.userId])).rows.map((r) => r.device_id);
    assert.deepEqual(await cursorsOf(), ['laptop', 'phone']);

    // The phone last seen two days ago, the events as old (both at once for the job, as time would make them):
    // the phone's cursor goes, and the events it acknowledged went first.
    const holder = await suite.cluster.pool.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [RETENTION_LOCK_KEY]);
      await holder.query("update stored_events set created_at = now() - interval '2 days' where user_id = $1", [target.userId]);
      await holder.query("update device_cursors set last_seen_at = now() - interval '2 days' where user_id = $1 and device_id = 'phone'", [target.userId]);
    } finally {
      await holder.query('select pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
      holder.release();
    }
    await waitUntil(async () => (await cursorsOf()).join() === 'laptop', 10_000, () => 'the unseen cursor pruned');
    assert.deepEqual(await storedSeqs(target.userId), [4], 'what the phone acknowledged was pruned before its cursor went');
  });

  it('prunes refresh tokens past their expiry, spent or not, and keeps a spent one until then, whose reuse still revokes its session', async () => {
    const [n0, n1] = urls();
    const tokensOf = async (userId: string) =>
      Number((await suite.cluster.pool.query('select count(*)::int as n from refresh_tokens where user_id = $1', [userId])).rows[0].n);
    const refresh = (url: string, refreshToken: string) => postJson<TokenPair & { code?: string }>(url, '/auth/refresh', { refreshToken });
    // A session with a spent token and its successor, both still alive; spent an hour ago (past the grace of a retry).
    const keeper = await registerUser(n0);
    const next = await refresh(n1, keeper.refreshToken);
    assert.equal(next.status, 200);
    await suite.cluster.pool.query(`update refresh_tokens set used_at = now() - interval '1 hour' where user_id = $1 and used_at is not null`, [keeper.userId]);
    // Another's chain, spent and not, expired more than a lifetime ago (the default: 7 days).
    const gone = await registerUser(n0);
    assert.equal((await refresh(n0, gone.refreshToken)).status, 200);
    assert.equal(await tokensOf(gone.userId), 2);
    await suite.cluster.pool.query(`update refresh_tokens set expires_at = now() - interval '8 days' where user_id = $1`, [gone.userId]);
    // A third's, spent and expired a moment ago: kept one more lifetime, so a device away that long still gives a thief away.
    const away = await registerUser(n1);
    assert.equal((await refresh(n1, away.refreshToken)).status, 200);
    await suite.cluster.pool.query(`update refresh_tokens set expires_at = now() - interval '1 second', used_at = now() - interval '7 days' where user_id = $1 and used_at is not null`, [away.userId]);

    await waitUntil(async () => (await tokensOf(gone.userId)) === 0, 10_000, () => 'the expired tokens pruned');
    assert.equal(await tokensOf(keeper.userId), 2, 'the spent token is kept while unexpired');
    assert.equal(await tokensOf(away.userId), 2, 'the spent token expired a moment ago is kept');
    assert.equal((await refresh(n0, keeper.refreshToken)).body.code, 'REFRESH_TOKEN_REUSED');
    assert.equal((await refresh(n1, next.body.refreshToken)).body.code, 'REFRESH_TOKEN_REUSED', 'the session is revoked');
    assert.equal((await refresh(n0, away.refreshToken)).body.code, 'REFRESH_TOKEN_REUSED', 'an expired spent token, presented again, still revokes');
  });

  it('finishes an erasure a node left half done', async () => {
    const [n0] = urls();
    const leaving = await registerPerson(n0, 'L');
    // What a node that stopped between an erasure's two steps leaves: the account erased, its hash '!erasing', a late row.
    await suite.cluster.pool.query(`update users set deleted_at = now(), password_hash = $2 where id = $1`, [leaving.userId, ERASING]);
    await suite.cluster.pool.query(`insert into stored_events (user_id, seq, type, payload) values ($1, 1000, 'level.up', '{}'::jsonb)`, [leaving.userId]);
    await waitUntil(
      async () => (await suite.cluster.pool.query('select password_hash from users where id = $1', [leaving.userId])).rows[0].password_hash !== ERASING,
      10_000,
      () => 'a node to finish the erasure',
    );
    assert.deepEqual(await storedSeqs(leaving.userId), []);
  });

  it('tells the cluster of an erasure its node did not tell, each part even while another fails: tokens refused, card out of a cached deck', async () => {
    const [n0, n1] = urls();
    const here = { lat: 13.085, lng: 80.2101 };
    const leaving = await personAt(n0, here, 'leaving');
    const searcher = await personAt(n1, destinationPoint(here, 1, 90), 'searcher');
    const phone = await device(n1, searcher, 'phone');
    const leavingPhone = await device(n0, leaving, 'phone');
    let closedWith: number | undefined;
    leavingPhone.room.onLeave((code) => (closedWith = code));
    assert.ok(deckIds(await deckOf(phone, searcher.card.id)).has(leaving.card.id));
    /** Whether the searcher's cached deck shows the card; undefined when asked too often (asked again). */
    const cachedDeckShowsLeaving = async () => {
      const answer = await deckAnswer(phone, searcher.card.id);
      if (codeOf(answer) === 'RATE_LIMITED') return undefined;
      const deck = replyOf<DeckResult>(answer);
      assert.equal(deck.cached, true, 'served from the cache');
      return deckIds(deck).has(leaving.card.id);
    };
    const tokenAnswer = async (url: string) => {
      const answer = await requestJson<{ code?: string }>(url, 'GET', '/me/threads', { token: leaving.accessToken });
      return answer.body.code ?? String(answer.status);
    };
    const owed = async () =>
      (await suite.cluster.pool.query<{ owed: boolean }>('select erasure_announcement is not null as owed from users where id = $1', [leaving.userId])).rows[0]!.owed;

    // While this holds the revocations' table, no revocation is stored: that part of the telling fails (its statement times out).
    const holder = await suite.cluster.pool.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table token_revocations in access exclusive mode');
      // Erased as by a node that stopped once it committed: nobody was told.
      assert.ok(await eraseAccount(database.db, leaving.userId, new Date(), harnessEmailKeys));
      assert.equal(await owed(), true);
      // A round tells the rest all the same: the card leaves the deck cached on the other node, the devices close.
      await waitUntil(async () => (await cachedDeckShowsLeaving()) === false, 30_000, () => 'the erased card out of the cached deck');
      await waitUntil(() => closedWith !== undefined, 30_000, () => 'the erased account’s device closed');
      assert.equal(closedWith, KismetCloseCode.SESSION_REVOKED);
      assert.equal(await owed(), true, 'still owed: a part failed');
    } finally {
      await holder.query('rollback');
      holder.release();
    }

    // The next round tells it whole: every node refuses the erased account's tokens, and nothing is owed.
    await waitUntil(async () => !(await owed()), 30_000, () => 'the erasure told whole');
    assert.deepEqual(await Promise.all([n0, n1].map(tokenAnswer)), ['ACCOUNT_BANNED', 'ACCOUNT_BANNED']);
    await waitUntil(async () => (await cachedDeckShowsLeaving()) === false, 10_000, () => 'the cached deck asked again');
  });
});
