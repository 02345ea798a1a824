import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CardView } from '../../contracts/cards';
import type { CompanyBody } from '../../contracts/companies';
import { sql } from 'kysely';
import { migrateToLatest } from '../../db/migrate';
import { KismetCloseCode } from '../../contracts/common';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { command, registerUser, requestJson, waitUntil, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { deckIds, deckOf, personAt, SHARED_PROFILE } from '../support/discovery';
import { UNLIMITED_RATES } from '../support/limits';
import { codeOf, joinThread, matchPeople, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';
import { itOnEachBackendAfter } from '../support/migrationBackends';

/** Alexanderplatz, Berlin: every job and candidate here is in each other's decks. */
const HERE = { lat: 52.52, lng: 13.405 };

describe('recruiters leaving their company, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY, ...UNLIMITED_RATES });
  const url = (i: 0 | 1) => suite.nodes[i].url;
  const pool = () => suite.cluster.pool;
  const { device } = suite;

  const admin = <T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) =>
    requestJson<T & { code?: string }>(url(1), method, path, { token: ADMIN_KEY, ...(body === undefined ? {} : { body }) });
  const recruiter = () => registerUser(url(0), undefined, 'recruiter');

  /** A company of the given recruiters, made by an operator. */
  async function company(...members: Array<{ userId: string }>): Promise<string> {
    const created = await admin<CompanyBody>('POST', '/admin/companies', { name: `Acme ${randomUUID().slice(0, 6)}` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const m of members) assert.equal((await admin('PUT', `/admin/companies/${created.body.companyId}/members/${m.userId}`)).status, 200);
    return created.body.companyId;
  }

  /** A job the recruiter posts here; the recruiter with it as their card. */
  async function postJob(owner: Omit<Person, 'card'>, title = 'Backend engineer'): Promise<Person> {
    const job = await requestJson<CardView>(url(0), 'POST', '/cards', { token: owner.accessToken, body: { kind: 'job', title, ...HERE, ...SHARED_PROFILE } });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    return { ...owner, card: job.body };
  }

  /** A person here looking for work, with a device whose deck of jobs is built (and cached). */
  async function jobSeeker(title: string): Promise<{ person: Person; phone: Device }> {
    const person = await personAt(url(0), HERE, title);
    assert.equal((await requestJson(url(1), 'PUT', '/me/preferences', { token: person.accessToken, body: { cardKind: 'job', maxDistanceKm: 50 } })).status, 200);
    return { person, phone: await device(url(0), person) };
  }

  /** An owner and another recruiter of one company, the owner's job posted for it, and the job's match with a candidate. */
  async function companyMatch() {
    const [owner, other] = await Promise.all([recruiter(), recruiter()]);
    const companyId = await company(owner, other);
    const job = await postJob(owner);
    const { person: candidate } = await jobSeeker('Candidate');
    return { owner, other, companyId, job, candidate, matchId: await matchPeople(job, candidate, [url(0), url(1)]) };
  }

  const addColleague = (matchId: string, by: { accessToken: string }, userId: string) =>
    requestJson<{ code?: string }>(url(1), 'POST', `/me/matches/${matchId}/colleagues`, { token: by.accessToken, body: { userId } });
  const membersOf = async (matchId: string) =>
    (await pool().query<{ user_id: string }>('select user_id from match_members where match_id = $1 order by user_id', [matchId])).rows.map((r) => r.user_id);
  const companyOfCard = async (cardId: string) => (await pool().query<{ company_id: string | null }>('select company_id from cards where id = $1', [cardId])).rows[0]?.company_id;

  it('keeps a recruiter who moved to another company from bringing its recruiters into the old company’s threads, and takes the jobs they posted for it out of every deck', async () => {
    const [owner, acmeColleague, globexRecruiter] = await Promise.all([recruiter(), recruiter(), recruiter()]);
    const acme = await company(owner, acmeColleague);
    const globex = await company(globexRecruiter);
    const job = await postJob(owner);
    assert.equal(await companyOfCard(job.card.id), acme, 'the job is Acme’s');
    const { person: candidate } = await jobSeeker('Candidate');
    const matchId = await matchPeople(job, candidate, [url(0), url(1)]);
    const candidateThread = await joinThread(url(1), candidate, matchId);
    suite.open.push(candidateThread);
    replyOf(await command(candidateThread.room, 'send', { clientMessageId: 'salary', kind: 'text', body: 'I earn 95k and leave Globex because of my manager' }));
    // Another candidate's deck holds the job, cached.
    const { person: watcher, phone } = await jobSeeker('Watcher');
    assert.ok(deckIds(await deckOf(phone, watcher.card.id)).has(job.card.id), 'the job is shown at first');

    // The operator moves the owner from Acme to Globex.
    assert.equal((await admin('DELETE', `/admin/companies/${acme}/members/${owner.userId}`)).status, 200);
    assert.equal((await admin('PUT', `/admin/companies/${globex}/members/${owner.userId}`)).status, 200);

    // Nobody of either company can be added by them to the Acme job's thread.
    const before = await membersOf(matchId);
    for (const other of [globexRecruiter, acmeColleague]) {
      const added = await addColleague(matchId, owner, other.userId);
      assert.deepEqual([added.status, added.body.code], [403, 'NOT_SAME_COMPANY'], JSON.stringify(added.body));
    }
    assert.deepEqual(await membersOf(matchId), before, 'nobody came in');

    // The job left the cached deck at once, and every other way to it.
    const deck = await deckOf(phone, watcher.card.id);
    assert.deepEqual([deck.cached, deckIds(deck).has(job.card.id)], [true, false]);
    const seen = await requestJson<{ code?: string }>(url(1), 'GET', `/cards/${job.card.id}`, { token: watcher.accessToken });
    assert.deepEqual([seen.status, seen.body.code], [404, 'CARD_NOT_FOUND']);
    const ownerPhone = await device(url(0), owner);
    assert.equal(codeOf(await command(ownerPhone.room, 'swipe', { fromCardId: job.card.id, toCardId: watcher.card.id, action: 'like' })), 'CARD_INACTIVE');
    // The candidate keeps their conversation.
    replyOf(await command(candidateThread.room, 'send', { clientMessageId: 'after', kind: 'text', body: 'still there?' }));

    // A job the owner posts now is Globex's: its threads take Globex's recruiters.
    const globexJob = await postJob(owner, 'Globex engineer');
    assert.equal(await companyOfCard(globexJob.card.id), globex);
    const { person: second } = await jobSeeker('Second candidate');
    const globexMatch = await matchPeople(globexJob, second, [url(0), url(1)]);
    assert.equal((await addColleague(globexMatch, owner, globexRecruiter.userId)).status, 201);
  });

  it('lets no colleague into the threads of a job posted by a recruiter in no company, even once they join one', async () => {
    const [loner, colleague] = await Promise.all([recruiter(), recruiter()]);
    const job = await postJob(loner);
    assert.equal(await companyOfCard(job.card.id), null);
    await company(loner, colleague);
    const { person: candidate } = await jobSeeker('Candidate');
    const matchId = await matchPeople(job, candidate, [url(0), url(1)]);
    const added = await addColleague(matchId, loner, colleague.userId);
    assert.deepEqual([added.status, added.body.code], [403, 'NOT_SAME_COMPANY']);
    // Taken out of the company, they keep the job: it was never the company's.
    const mine = await requestJson<CompanyBody>(url(0), 'GET', '/me/company', { token: loner.accessToken });
    assert.equal((await admin('DELETE', `/admin/companies/${mine.body.companyId}/members/${loner.userId}`)).status, 200);
    assert.equal((await requestJson<CardView>(url(0), 'GET', `/cards/${job.card.id}`, { token: candidate.accessToken })).body.active, true);
  });

  it('leaves no place in the thread to a colleague added while they are taken out of the company: the removal waits for the addition, then takes them out', async () => {
    const { owner, other: leaver, companyId, candidate, matchId } = await companyMatch();
    /** Whether a backend of the suite's database waits for a lock in a statement that starts with `statement`. */
    const waitingIn = async (statement: string) =>
      (await pool().query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like $1",
        [`${statement}%`],
      )).rows[0]!.n > 0;

    // A slow moment in the addition, after it read the memberships: another transaction holds the
    // leaver's account row, which the new membership's reference waits for.
    const holder = await pool().connect();
    try {
      await holder.query('begin');
      await holder.query('select id from users where id = $1 for update', [leaver.userId]);
      const adding = addColleague(matchId, owner, leaver.userId);
      await waitUntil(() => waitingIn('insert into "match_members"'), 30_000, () => 'the addition to wait for the account row');
      // The operator takes the leaver out meanwhile: the removal waits for the addition to commit (it read the membership).
      let removalAnswered = false;
      const removing = admin<CompanyBody>('DELETE', `/admin/companies/${companyId}/members/${leaver.userId}`).finally(() => (removalAnswered = true));
      await waitUntil(async () => removalAnswered || (await waitingIn('delete from "company_members"')), 30_000, () => 'the removal to answer or wait');
      await holder.query('commit');
      const [added, removed] = await Promise.all([adding, removing]);
      assert.deepEqual([added.status, removed.status, removed.body.memberIds], [201, 200, [owner.userId]]);
    } finally {
      holder.release();
    }

    // Added first, taken out after: no place is left in the candidate's thread.
    assert.deepEqual(await membersOf(matchId), [owner.userId, candidate.userId].sort());
    const rejoin = await ThreadClient.join(url(0), leaver, matchId).then(() => 'joined', (error: { code?: string }) => error.code);
    assert.equal(rejoin, 'NOT_A_MEMBER');
  });

  describe('a recruiter made a member', () => {
    const demote = (user: { userId: string }) => admin<{ role: string }>('POST', `/admin/users/${user.userId}`, { role: 'member' });
    const hostEvent = (by: { accessToken: string }, jobCardId: string) => {
      const startsAt = Date.now() + 60_000;
      return requestJson<{ code?: string }>(url(0), 'POST', '/events', {
        token: by.accessToken,
        body: { jobCardId, title: 'Hiring day', startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + 20 * 60_000).toISOString(), capacity: 10 },
      });
    };

    it('leaves the company, its threads (a connected colleague’s closes) and its jobs, which leave every deck', async () => {
      const [owner, colleague, third] = await Promise.all([recruiter(), recruiter(), recruiter()]);
      await company(owner, colleague, third);
      const job = await postJob(owner);
      const { person: candidate } = await jobSeeker('Candidate');
      const matchId = await matchPeople(job, candidate, [url(0), url(1)]);
      assert.equal((await addColleague(matchId, owner, colleague.userId)).status, 201);
      const colleagueThread = await joinThread(url(1), colleague, matchId);
      suite.open.push(colleagueThread);
      let closedWith: number | undefined;
      colleagueThread.room.onLeave((code) => (closedWith = code));
      const { person: watcher, phone } = await jobSeeker('Watcher');
      assert.ok(deckIds(await deckOf(phone, watcher.card.id)).has(job.card.id), 'the job is shown at first');

      for (const user of [owner, colleague]) {
        const demoted = await demote(user);
        assert.deepEqual([demoted.status, demoted.body.role], [200, 'member']);
      }

      // Out of the company, both of them.
      for (const user of [owner, colleague]) {
        const mine = await requestJson<{ code?: string }>(url(0), 'GET', '/me/company', { token: user.accessToken });
        assert.deepEqual([mine.status, mine.body.code], [404, 'NOT_FOUND']);
      }
      // The colleague is out of the thread at once: their connection closes, a rejoin is refused.
      await waitUntil(() => closedWith !== undefined, 30_000, () => 'the colleague’s connection to close');
      assert.equal(closedWith, KismetCloseCode.REMOVED_FROM_THREAD);
      const rejoin = await ThreadClient.join(url(0), colleague, matchId).then(() => 'joined', (error: { code?: string }) => error.code);
      assert.equal(rejoin, 'NOT_A_MEMBER');
      assert.deepEqual(await membersOf(matchId), [owner.userId, candidate.userId].sort());
      // The owner's job is withdrawn: out of the cached deck, unreadable, no swipe, no event; and they add nobody.
      const deck = await deckOf(phone, watcher.card.id);
      assert.deepEqual([deck.cached, deckIds(deck).has(job.card.id)], [true, false]);
      assert.equal((await requestJson(url(1), 'GET', `/cards/${job.card.id}`, { token: watcher.accessToken })).status, 404);
      const ownerPhone = await device(url(0), owner);
      assert.equal(codeOf(await command(ownerPhone.room, 'swipe', { fromCardId: job.card.id, toCardId: watcher.card.id, action: 'like' })), 'CARD_INACTIVE');
      const hosted = await hostEvent(owner, job.card.id);
      assert.deepEqual([hosted.status, hosted.body.code], [404, 'CARD_NOT_FOUND']);
      const added = await addColleague(matchId, owner, third.userId);
      assert.deepEqual([added.status, added.body.code], [403, 'NOT_SAME_COMPANY']);
      const posted = await requestJson<{ code?: string }>(url(0), 'POST', '/cards', { token: owner.accessToken, body: { kind: 'job', title: 'Another' } });
      assert.deepEqual([posted.status, posted.body.code], [403, 'RECRUITER_ONLY']);
    });

    it('refuses events and colleagues to an account made a member before its company went with its role, and takes both away when the role is sent again', async () => {
      const { owner, other: colleague, companyId, job, candidate, matchId } = await companyMatch();
      // Demoted as storage kept it before: the role alone, the membership and the job left as they were.
      await pool().query("update users set role = 'member' where id = $1", [owner.userId]);
      const hosted = await hostEvent(owner, job.card.id);
      assert.deepEqual([hosted.status, hosted.body.code], [403, 'RECRUITER_ONLY']);
      const added = await addColleague(matchId, owner, colleague.userId);
      assert.deepEqual([added.status, added.body.code], [403, 'NOT_SAME_COMPANY']);

      assert.equal((await demote(owner)).status, 200);
      const left = await requestJson<CompanyBody>(url(0), 'GET', '/me/company', { token: colleague.accessToken });
      assert.deepEqual([left.body.companyId, left.body.memberIds], [companyId, [colleague.userId]], 'the owner is out of the company');
      assert.equal((await requestJson(url(1), 'GET', `/cards/${job.card.id}`, { token: candidate.accessToken })).status, 404);
    });
  });
});

describe('job cards of companies (migration 2026_12_09_0120)', function () {
  itOnEachBackendAfter('2026_12_09_0080_rewound_swipes', 'takes the job cards posted before to be their owner’s company’s now, and other cards none', async (db) => {
    const [member, loner, companyId] = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of [member, loner]) await sql`insert into users (id, email, password_hash, role) values (${id}, ${`${id}@example.test`}, 'x', 'recruiter')`.execute(db);
    await sql`insert into companies (id, name) values (${companyId}, 'Acme')`.execute(db);
    await sql`insert into company_members (company_id, user_id) values (${companyId}, ${member})`.execute(db);
    const cards = { memberJob: randomUUID(), memberProfile: randomUUID(), lonerJob: randomUUID() };
    for (const [id, owner, kind] of [[cards.memberJob, member, 'job'], [cards.memberProfile, member, 'person'], [cards.lonerJob, loner, 'job']] as const) {
      await sql`insert into cards (id, owner_id, kind, title) values (${id}, ${owner}, ${kind}, 'card')`.execute(db);
    }
    const after = await migrateToLatest(db);
    assert.equal(after.error, undefined, String(after.error));
    const { rows } = await sql<{ id: string; company_id: string | null }>`select id, company_id from cards`.execute(db);
    const companyOf = (id: string) => rows.find((r) => r.id === id)?.company_id;
    assert.deepEqual([companyOf(cards.memberJob), companyOf(cards.memberProfile), companyOf(cards.lonerJob)], [companyId, null, null]);
  });
});
