import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { ReportView } from '../../contracts/moderation';
import { migrateToLatest } from '../../db/migrate';
import { MIGRATIONS } from '../../db/migrations';
import type { Database } from '../../db/types';
import { MAX_OPEN_REPORTS_PER_REPORTER } from '../../domain/reportContext';
import { requestJson } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { itOnEachBackendAfter } from '../support/migrationBackends';
import { registerPerson, type Person } from '../support/matches';
import { useNatsStream } from '../support/nats';
import { ADMIN_KEY } from '../support/operator';

const FLOOD = 100;

/** Migrates `db` up, or down, to the migration named. */
async function migrateTo(db: Kysely<Database>, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  assert.equal((await migrator.migrateTo(name)).error, undefined);
}

describe('reports, filed once while open', function () {
  describe('POST /reports and the moderation desk', function () {
    const stream = useNatsStream();
    // The flood is of one person's reports, not of requests: the request and report buckets are not what is tested.
    const suite = useTestCluster(1, Object.assign(stream.env, { ADMIN_API_KEY: ADMIN_KEY, RATE_LIMITS: 'request=100000:100000,report=100000:100000' }));
    const url = () => suite.cluster.nodes[0]!.url;

    const report = (from: Person, about: Person, contextId: string, reason = 'rude') =>
      requestJson<{ reportId: string; code?: string }>(url(), 'POST', '/reports', {
        token: from.accessToken,
        body: { userId: about.userId, context: 'profile', contextId, reason },
      });
    const desk = async (reportedId: string) =>
      (await requestJson<{ reports: ReportView[] }>(url(), 'GET', `/admin/reports?reportedId=${reportedId}&limit=200`, { token: ADMIN_KEY })).body.reports;
    const stored = async (reporterId: string, reportedId: string) =>
      (await suite.cluster.pool.query<{ id: string }>('select id from reports where reporter_id = $1 and reported_id = $2 order by created_at', [reporterId, reportedId])).rows;
    const filedEvents = async (reportedId: string) =>
      (await suite.cluster.pool.query<{ id: string }>("select data->>'reportId' as id from domain_event_outbox where type = 'report.filed' and data->>'reportedId' = $1", [reportedId])).rows.map((r) => r.id);

    it(`${FLOOD} identical reports at once store one, answer its id to each and send one report.filed`, async () => {
      const [r, x] = await Promise.all([registerPerson(url(), 'R'), registerPerson(url(), 'X')]);
      const answers = await Promise.all(Array.from({ length: FLOOD }, (_, i) => report(r, x, x.card.id, `rude ${i}`)));
      assert.deepEqual(answers.map((a) => a.status).sort((a, b) => a - b), [...Array<number>(FLOOD - 1).fill(200), 201], JSON.stringify(answers.find((a) => a.status >= 300)?.body));
      const ids = new Set(answers.map((a) => a.body.reportId));
      assert.equal(ids.size, 1, 'every repeat is answered with the one report');
      const rows = await stored(r.userId, x.userId);
      assert.deepEqual(rows.map((row) => row.id), [...ids]);
      // The same card written in capitals is the same context.
      const shouted = await report(r, x, x.card.id.toUpperCase());
      assert.deepEqual([shouted.status, shouted.body.reportId], [200, rows[0]!.id]);
      assert.deepEqual(await filedEvents(x.userId), [rows[0]!.id], 'one domain event, for the one report stored');
      assert.deepEqual((await desk(x.userId)).map((v) => [v.reportId, v.openAgainstReported]), [[rows[0]!.id, 1]]);
    });

    it('the desk ranks and counts people, not reports; another context of an open pair is answered with its report', async () => {
      const [r1, r2, x, y] = await Promise.all(['R1', 'R2', 'X', 'Y'].map((t) => registerPerson(url(), t)));
      const aboutX = (await report(r1!, x!, x!.card.id)).body.reportId;
      // X's profile made anew: its new card is another context, answered with the open report of the pair.
      assert.equal((await requestJson(url(), 'DELETE', `/cards/${x!.card.id}`, { token: x!.accessToken })).status, 200);
      const remade = await requestJson<{ id: string }>(url(), 'POST', '/cards', { token: x!.accessToken, body: { kind: 'person', title: 'X', birthYear: 1994 } });
      const aboutXAgain = await report(r1!, x!, remade.body.id, 'the profile made anew: another context');
      assert.deepEqual([aboutXAgain.status, aboutXAgain.body.reportId], [200, aboutX], 'the open report of the pair answers');
      assert.deepEqual((await stored(r1!.userId, x!.userId)).map((row) => row.id), [aboutX], 'no second row');
      assert.deepEqual(await filedEvents(x!.userId), [aboutX], 'nor a second report.filed');
      const aboutY1 = (await report(r1!, y!, y!.card.id)).body.reportId;
      const aboutY2 = (await report(r2!, y!, y!.card.id)).body.reportId;
      assert.notEqual(aboutY1, aboutY2, 'each person has a report of their own');
      assert.deepEqual((await desk(x!.userId)).map((v) => v.openAgainstReported), [1]);
      assert.deepEqual((await desk(y!.userId)).map((v) => [v.reportId, v.openAgainstReported]), [[aboutY1, 2], [aboutY2, 2]]);
      // Y, reported by two people, comes before X, reported by one.
      const all = (await requestJson<{ reports: ReportView[] }>(url(), 'GET', '/admin/reports?limit=200', { token: ADMIN_KEY })).body.reports;
      const order = all.filter((v) => [x!.userId, y!.userId].includes(v.reportedId)).map((v) => v.reportedId);
      assert.deepEqual(order, [y!.userId, y!.userId, x!.userId]);

      // Once resolved, a report of the person is filed anew, in any context.
      const resolved = await requestJson(url(), 'POST', `/admin/reports/${aboutX}/resolve`, { token: ADMIN_KEY, body: { action: 'dismiss', note: 'checked' } });
      assert.equal(resolved.status, 200);
      const again = await report(r1!, x!, remade.body.id);
      assert.equal(again.status, 201);
      assert.notEqual(again.body.reportId, aboutX);
    });

    it(`refuses a person's report past ${MAX_OPEN_REPORTS_PER_REPORTER} open, even sent at once, storing nothing, and answers one of a person already reported`, async () => {
      const [r, x] = await Promise.all([registerPerson(url(), 'R'), registerPerson(url(), 'X')]);
      // People to report, and open reports of all but three of the limit, as if filed before.
      const others = Array.from({ length: MAX_OPEN_REPORTS_PER_REPORTER + 2 }, () => randomUUID());
      await suite.cluster.pool.query(
        `insert into users (id, email, password_hash) select id, id::text || '@example.test', 'x' from unnest($1::uuid[]) as o(id)`, [others]);
      // Each with a card: a report names one (its context).
      const cards = await suite.cluster.pool.query<{ id: string; owner_id: string }>(
        `insert into cards (id, owner_id, kind, title) select gen_random_uuid(), id, 'person', 'O' from unnest($1::uuid[]) as o(id) returning id, owner_id`, [others]);
      const cardOf = new Map(cards.rows.map((row) => [row.owner_id, row.id]));
      const already = others.slice(0, MAX_OPEN_REPORTS_PER_REPORTER - 3);
      await suite.cluster.pool.query(
        `insert into reports (id, reporter_id, reported_id, context_kind, reason) select gen_random_uuid(), $1, o.id, 'profile', 'before' from unnest($2::uuid[]) as o(id)`,
        [r.userId, already]);
      const openOf = async () => Number((await suite.cluster.pool.query("select count(*)::int as n from reports where reporter_id = $1 and status = 'open'", [r.userId])).rows[0].n);
      const filedBy = async () => Number((await suite.cluster.pool.query("select count(*)::int as n from domain_event_outbox where type = 'report.filed' and data->>'reporterId' = $1", [r.userId])).rows[0].n);
      const about = (userId: string) => ({ userId, card: x.card, accessToken: '', email: '' }) as unknown as Person;

      // Five at once, about five people: three fit, two are refused.
      const fresh = others.slice(MAX_OPEN_REPORTS_PER_REPORTER - 3, MAX_OPEN_REPORTS_PER_REPORTER + 2);
      const answers = await Promise.all(fresh.map((id) => report(r, about(id), cardOf.get(id)!)));
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 201, 201, 409, 409], JSON.stringify(answers.map((a) => a.body)));
      for (const refused of answers.filter((a) => a.status === 409)) assert.equal(refused.body.code, 'REPORT_LIMIT_REACHED');
      assert.equal(await openOf(), MAX_OPEN_REPORTS_PER_REPORTER);
      assert.equal(await filedBy(), 3, 'no report.filed for a refused report');

      // At the limit: a new person is refused and nothing stored; one already reported is answered with the open report.
      const refused = await report(r, x, x.card.id);
      assert.deepEqual([refused.status, refused.body.code], [409, 'REPORT_LIMIT_REACHED']);
      assert.deepEqual(await stored(r.userId, x.userId), []);
      const repeat = await report(r, about(already[0]!), cardOf.get(already[0]!)!);
      assert.equal(repeat.status, 200);
      assert.equal(await openOf(), MAX_OPEN_REPORTS_PER_REPORTER);

      // One resolved makes room for one.
      const resolved = await requestJson(url(), 'POST', `/admin/reports/${repeat.body.reportId}/resolve`, { token: ADMIN_KEY, body: { action: 'dismiss', note: 'checked' } });
      assert.equal(resolved.status, 200);
      assert.equal((await report(r, x, x.card.id)).status, 201);
      assert.equal((await report(r, about(already[1]!), cardOf.get(already[1]!)!, 'and one more')).status, 200, 'one already reported is still answered');
      assert.equal(await openOf(), MAX_OPEN_REPORTS_PER_REPORTER);
    });
  });

  describe('the migration, on a database holding repeats', function () {
    itOnEachBackendAfter('2026_12_08_0023_webhooks_by_arrival', 'keeps the oldest open report of each repeat, resolves the others with a note, and then refuses a repeat', async (db) => {
      const [r, x] = [randomUUID(), randomUUID()];
      for (const id of [r, x]) await sql`insert into users (id, email, password_hash) values (${id}, ${`${id}@example.test`}, 'x')`.execute(db);
      const row = async (minutes: number, contextId: string | null, status = 'open') => {
        const id = randomUUID();
        await sql`insert into reports (id, reporter_id, reported_id, context_kind, context_id, reason, created_at, status)
                  values (${id}, ${r}, ${x}, 'profile', ${contextId}, ${`at ${minutes}`}, ${new Date(Date.UTC(2026, 11, 1, 0, minutes))}, ${status})`.execute(db);
        return id;
      };
      const card = randomUUID();
      const [keptCard, repeatCard1, repeatCard2] = [await row(1, card), await row(3, card), await row(2, card)];
      const [keptNone, repeatNone] = [await row(4, null), await row(5, null)];
      const resolvedAlready = await row(0, card, 'resolved');
      const other = await row(6, randomUUID());

      await migrateTo(db, '2026_12_09_0025_reports_open_once');
      const { rows } = await sql<{ id: string; status: string; resolution: string | null; resolution_note: string | null }>`
        select id, status, resolution, resolution_note from reports`.execute(db);
      const of = (id: string) => rows.find((stored) => stored.id === id)!;
      for (const id of [keptCard, keptNone, other]) assert.equal(of(id).status, 'open');
      assert.equal(of(resolvedAlready).resolution_note, null, 'a resolved report is left as it was');
      for (const [id, kept] of [[repeatCard1, keptCard], [repeatCard2, keptCard], [repeatNone, keptNone]] as const) {
        assert.deepEqual(of(id), { id, status: 'resolved', resolution: 'dismiss', resolution_note: `a repeat of report ${kept}, filed while it was open` });
      }
      await assert.rejects(row(7, card), /reports_open_once/);
      await assert.rejects(row(8, null), /reports_open_once/);
    });

    itOnEachBackendAfter('2026_12_09_0080_rewound_swipes', 'keeps the oldest open report of each pair, whatever its context, resolves the others with a note, and down again', async (db) => {
      const [r, x, y] = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of [r, x, y]) await sql`insert into users (id, email, password_hash) values (${id}, ${`${id}@example.test`}, 'x')`.execute(db);
      const row = async (minutes: number, reported: string, kind: string, contextId: string | null, status = 'open') => {
        const id = randomUUID();
        await sql`insert into reports (id, reporter_id, reported_id, context_kind, context_id, reason, created_at, status)
                  values (${id}, ${r}, ${reported}, ${kind}, ${contextId}, ${`at ${minutes}`}, ${new Date(Date.UTC(2026, 11, 1, 0, minutes))}, ${status})`.execute(db);
        return id;
      };
      const [kept, laterEvent, laterProfile] = [await row(1, x, 'event', randomUUID()), await row(3, x, 'event', randomUUID()), await row(2, x, 'profile', null)];
      const resolvedAlready = await row(0, x, 'profile', null, 'resolved');
      const otherPerson = await row(4, y, 'event', randomUUID());

      const after = await migrateToLatest(db);
      assert.equal(after.error, undefined, String(after.error));
      const { rows } = await sql<{ id: string; status: string; resolution: string | null; resolution_note: string | null }>`
        select id, status, resolution, resolution_note from reports`.execute(db);
      const of = (id: string) => rows.find((stored) => stored.id === id)!;
      for (const id of [kept, otherPerson]) assert.equal(of(id).status, 'open');
      assert.equal(of(resolvedAlready).resolution_note, null, 'a resolved report is left as it was');
      for (const id of [laterEvent, laterProfile]) {
        assert.deepEqual(of(id), { id, status: 'resolved', resolution: 'dismiss', resolution_note: `another report of the same person, filed while report ${kept} was open` });
      }
      await assert.rejects(row(5, x, 'call', randomUUID()), /reports_open_per_pair/);

      // Down: the pair's index goes, the one per context stands.
      await migrateTo(db, '2026_12_09_0080_rewound_swipes');
      const call = randomUUID();
      await row(6, x, 'call', call);
      await assert.rejects(row(7, x, 'call', call), /reports_open_once/, 'the one per context still holds');
    });
  });
});
