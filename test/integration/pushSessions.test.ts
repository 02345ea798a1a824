import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { TokenPair } from '../../contracts/auth';
import { migrateToLatest } from '../../db/migrate';
import { postJson, requestJson, TEST_PASSWORD, waitUntil } from '../support/accounts';
import { metricValue, useTestCluster } from '../support/cluster';
import { tokenAt } from '../support/forgedTokens';
import { matchPeople, registerPerson, type Person } from '../support/matches';
import { itOnEachBackendAfter } from '../support/migrationBackends';
import { counterSum, payloadsTo, registerWebPush, sendText, useWebPushStandIn } from '../support/push/pushedNode';

const NO_TARGET = /^kismet_push_skipped_total\{[^}]*reason="no-target"/;

/**
 * A push device belongs to the log-in session that registered it. A log-out or a revocation
 * deletes it; a session that simply lapses (nobody refreshed it within a refresh token's
 * lifetime: a phone sold or shared, a browser left signed in) must stop its pushes too, at
 * once, and the retention job deletes its row. The person's devices of live sessions go on.
 */
describe('push devices of log-in sessions that ended', function () {
  type Suite = ReturnType<typeof useTestCluster>;

  /** B signed in twice: the phone registered in the first log-in session, the laptop in the second. */
  async function twoSessions(suite: Suite, service: ReturnType<typeof useWebPushStandIn>['service']) {
    const url = suite.nodes[0].url;
    const [a, b] = await Promise.all([registerPerson(url, 'A'), registerPerson(url, 'B')]);
    const login = await postJson<TokenPair>(url, '/auth/login', { email: b.email, password: TEST_PASSWORD });
    assert.equal(login.status, 200);
    const phone = await registerWebPush(url, service, b, 'phone');
    const laptop = await registerWebPush(url, service, login.body, 'laptop');
    return { url, a, b, phone, laptop };
  }
  /** The stored push devices of `person`. */
  const devicesOf = async (suite: Suite, person: Person) =>
    (await suite.cluster.pool.query('select device_id from push_targets where user_id = $1 order by device_id', [person.userId])).rows.map((r: { device_id: string }) => r.device_id);
  /** Every refresh token of the session that registered `deviceId` lapses, as when nobody refreshed it for a lifetime. */
  const lapse = (suite: Suite, person: Person, deviceId: string) =>
    suite.cluster.pool.query(
      `update refresh_tokens set expires_at = now() - interval '1 second'
        where family_id = (select session_id from push_targets where user_id = $1 and device_id = $2)`,
      [person.userId, deviceId],
    );
  const outboxRowsOf = async (suite: Suite, person: Person, deviceId: string) =>
    Number((await suite.cluster.pool.query('select count(*)::int as n from push_outbox where user_id = $1 and device_id = $2', [person.userId, deviceId])).rows[0].n);

  describe('pushes (no retention round runs)', () => {
    const standIn = useWebPushStandIn();
    const suite = useTestCluster(1, standIn.env);

    it('a device whose session lapsed gets no push of a new match or message; the device of a live session of the same person does', async () => {
      const { url, a, b, phone, laptop } = await twoSessions(suite, standIn.service);
      await lapse(suite, b, 'phone');
      // B likes first, so B hears of the match by push.
      const matchId = await matchPeople(b, a, [url, url]);
      await waitUntil(() => payloadsTo(standIn.service, laptop, 'match.created').length === 1, 15_000, () => 'the laptop’s match push');
      await sendText(url, a, matchId, 'm-1');
      await waitUntil(() => payloadsTo(standIn.service, laptop, 'message.received').length === 1, 15_000, () => 'the laptop’s message push');
      // Written with the event or not at all: the phone was owed nothing, so nothing of it is on its way either.
      assert.equal(await outboxRowsOf(suite, b, 'phone'), 0);
      assert.deepEqual(payloadsTo(standIn.service, phone), []);
      // Still stored (no retention round ran): the check at the push held it back, not a deletion.
      assert.deepEqual(await devicesOf(suite, b), ['laptop', 'phone']);
    });

    it('a push written while its session was live is not delivered once the session lapsed', async () => {
      const { url, a, b, phone, laptop } = await twoSessions(suite, standIn.service);
      // The service asks the phone's first push to wait 5 s: the session lapses meanwhile.
      standIn.service.answer(phone.endpoint, { status: 429, retryAfter: '5', times: 1 });
      const skipped = await counterSum(suite.nodes[0], NO_TARGET);
      await matchPeople(b, a, [url, url]);
      await waitUntil(() => payloadsTo(standIn.service, laptop, 'match.created').length === 1, 15_000, () => 'the laptop’s match push');
      await waitUntil(async () => (await outboxRowsOf(suite, b, 'phone')) === 1, 15_000, () => 'the phone’s push written');
      await lapse(suite, b, 'phone');
      // Its next try: sent, or skipped for want of a live target.
      const skippedNow = async () => (await counterSum(suite.nodes[0], NO_TARGET)) > skipped;
      await waitUntil(async () => payloadsTo(standIn.service, phone, 'match.created').length > 0 || (await skippedNow()), 20_000, () => 'the retried push');
      assert.deepEqual(payloadsTo(standIn.service, phone, 'match.created'), [], 'the match pushed to the lapsed session’s phone');
      assert.ok(await skippedNow());
    });

    it('a token that names no log-in session registers no push device', async () => {
      const url = suite.nodes[0].url;
      const b = await registerPerson(url, 'B');
      const nowS = Math.floor(Date.now() / 1000);
      const sessionless = await tokenAt(b.userId, nowS, nowS + 60, ['sid']);
      // A browser's subscription as any other: only the token differs.
      const key = await requestJson<{ publicKey: string }>(url, 'GET', '/push/vapid-public-key');
      const { endpoint, keys } = standIn.service.subscribe(key.body.publicKey);
      const put = await requestJson<{ code?: string }>(url, 'PUT', '/me/devices/kiosk/push', {
        token: sessionless,
        body: { platform: 'webpush', subscription: { endpoint, keys } },
      });
      assert.equal(put.status, 401);
      assert.equal(put.body.code, 'TOKEN_INVALID');
      assert.deepEqual(await devicesOf(suite, b), []);
    });
  });

  describe('the retention round', () => {
    const standIn = useWebPushStandIn();
    const suite = useTestCluster(1, Object.assign(standIn.env, { RETENTION_PRUNE_INTERVAL_MS: '200' }));
    const prunedRounds = () => metricValue(suite.nodes[0], /^kismet_retention_runs_total\{outcome="pruned"/);

    it('deletes the push devices of a lapsed session and of none, and keeps the one of a live session, which is still pushed', async () => {
      const { url, a, b, laptop } = await twoSessions(suite, standIn.service);
      // A device stored without a session (as before sessions were recorded): no sign-in vouches for it.
      await suite.cluster.pool.query(
        `insert into push_targets (user_id, device_id, platform, target) values ($1, 'kiosk', 'fcm', jsonb_build_object('platform', 'fcm', 'token', $2::text))`,
        [b.userId, `kiosk-${b.userId}`],
      );
      await lapse(suite, b, 'phone');
      await waitUntil(async () => (await devicesOf(suite, b)).join() === 'laptop', 10_000, () => 'the phone’s and the kiosk’s rows deleted');
      const rounds = await prunedRounds();
      await waitUntil(async () => (await prunedRounds()) >= rounds + 2, 10_000, () => 'two more retention rounds');
      assert.deepEqual(await devicesOf(suite, b), ['laptop']);
      const matchId = await matchPeople(b, a, [url, url]);
      await sendText(url, a, matchId, 'm-1');
      await waitUntil(() => payloadsTo(standIn.service, laptop, 'message.received').length === 1, 15_000, () => 'the laptop’s message push');
    });
  });

  describe('the migration, on targets stored with any session id', function () {
    itOnEachBackendAfter('2026_12_09_0080_rewound_swipes', 'keeps a session id that is a uuid, and leaves one that is not without a session', async (db) => {
      const [userId, sessionId] = [randomUUID(), randomUUID()];
      await sql`insert into users (id, email, password_hash) values (${userId}, ${`${userId}@example.test`}, 'x')`.execute(db);
      for (const [deviceId, session] of [['phone', sessionId], ['tool', 'family-1'], ['old', null]] as const) {
        await sql`insert into push_targets (user_id, device_id, platform, target, session_id)
                  values (${userId}, ${deviceId}, 'fcm', ${JSON.stringify({ platform: 'fcm', token: deviceId })}::jsonb, ${session})`.execute(db);
      }
      const after = await migrateToLatest(db);
      assert.equal(after.error, undefined, String(after.error));
      const { rows } = await sql<{ device_id: string; session_id: string | null }>`select device_id, session_id from push_targets order by device_id`.execute(db);
      assert.deepEqual(rows, [{ device_id: 'old', session_id: null }, { device_id: 'phone', session_id: sessionId }, { device_id: 'tool', session_id: null }]);
    });
  });
});
