import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import type { CardView } from '../../contracts/cards';
import type { ProgressResponse } from '../../contracts/progress';
import type { SwipeResult } from '../../contracts/session';
import { matchPairKey, questsForDay, utcDay, XP_RULES, type ProgressAction } from '../../domain/progress';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import { command, connectDevice, disconnect, eventsOf, joinActor, registerUser, requestJson, waitForEvents, waitUntil, type Device } from '../support/accounts';
import { scheduleEvent } from '../support/liveEvents';
import { codeOf, joinThread, matchPeople, registerPerson, replyOf, type Person } from '../support/matches';
import { useTestCluster } from '../support/cluster';
import { useClusterDatabase } from '../support/clusterDatabase';
import { countEventAttendance } from '../../services/progress';
import { UNLIMITED_RATES } from '../support/limits';

/** The XP today's quests add when `action` reaches their target. */
const questXp = (action: ProgressAction) =>
  questsForDay(utcDay(Date.now())).filter((q) => q.action === action && q.target === 1).reduce((sum, q) => sum + q.xp, 0);
const todaysQuest = (action: ProgressAction) => questsForDay(utcDay(Date.now())).find((q) => q.action === action);

describe('progress across two nodes', function () {
  const suite = useTestCluster(2, UNLIMITED_RATES);
  const pool = (): Pool => suite.cluster.pool;
  const database = useClusterDatabase(suite);
  const urls = () => [suite.nodes[0].url, suite.nodes[1].url] as const;

  async function device(url: string, user: Person, id: string): Promise<Device> {
    const connected = await connectDevice(url, user, id);
    suite.open.push(connected);
    return connected;
  }
  async function progressOf(url: string, user: { accessToken: string }): Promise<ProgressResponse> {
    const answer = await requestJson<ProgressResponse>(url, 'GET', '/me/progress', { token: user.accessToken });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  }
  async function ledgerRows(userId: string, key: string): Promise<number> {
    const result = await pool().query('select count(*)::int as n from progress_ledger where user_id = $1 and action_key = $2', [userId, key]);
    return result.rows[0].n as number;
  }
  const swipe = (d: Device, from: Person, to: { card: CardView }, action = 'like') =>
    command(d.room, 'swipe', { fromCardId: from.card.id, toCardId: to.card.id, action });
  const ofType = (d: Device, type: string) => eventsOf(d).filter((e) => e.type === type);
  /** A new recruiter's job cards, to swipe for the swipe quest (a person's swipes on jobs make no match). */
  async function jobCards(url: string, count: number): Promise<Array<{ card: CardView }>> {
    const recruiter = await registerUser(url, undefined, 'recruiter');
    const jobs: Array<{ card: CardView }> = [];
    for (let i = 0; i < count; i++) {
      const job = await requestJson<CardView>(url, 'POST', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title: `job ${i}` } });
      assert.equal(job.status, 201);
      jobs.push({ card: job.body });
    }
    return jobs;
  }

  it('gives each owner of a match 100 XP and one level.up on their own node, however often the likes are retried', async () => {
    const [n0, n1] = urls();
    const [a, b] = await Promise.all([registerPerson(n0, 'A'), registerPerson(n1, 'B')]);
    const [phoneA, tabletA, phoneB] = await Promise.all([device(n0, a, 'phone'), device(n1, a, 'tablet'), device(n1, b, 'phone')]);
    replyOf(await swipe(phoneA, a, b));
    // B's like, sent at once through both of B's… nodes: one device on each node, the same swipe three times.
    const tabletB = await device(n0, b, 'tablet');
    const answers = await Promise.all([swipe(phoneB, b, a), swipe(tabletB, b, a), swipe(phoneB, b, a)].map(async (p) => replyOf<SwipeResult>(await p)));
    assert.deepEqual(answers.map((r) => r.repeated).sort(), [false, true, true]);
    const matchId = answers[0]!.matchId!;
    assert.ok(answers.every((r) => r.matchId === matchId));
    // A retries its first like after the match: answered as a repeat, nothing more counted.
    assert.equal(replyOf<SwipeResult>(await swipe(tabletA, a, b)).repeated, true);

    const expected = XP_RULES.match + questXp('match');
    for (const [user, phone, other] of [[a, phoneA, tabletA], [b, phoneB, tabletB]] as const) {
      await waitForEvents(phone, (events) => events.some((e) => e.type === 'level.up'));
      await waitForEvents(other, (events) => events.some((e) => e.type === 'level.up'));
      assert.equal(await ledgerRows(user.userId, matchPairKey([a.userId, b.userId])), 1);
      for (const url of urls()) {
        const progress = await progressOf(url, user);
        assert.deepEqual([progress.xp, progress.level], [expected, 2]);
      }
    }
    // Every device has had the time to hear more: exactly one level.up, one completed match quest at most.
    for (const d of [phoneA, tabletA, phoneB, tabletB]) {
      await waitForEvents(d, (events) => events.filter((e) => e.seq !== null).length >= 2);
      const [levelUp] = ofType(d, 'level.up');
      assert.equal(ofType(d, 'level.up').length, 1);
      assert.deepEqual(levelUp!.data, { level: 2, previousLevel: 1, xp: expected });
      assert.equal(ofType(d, 'quest.completed').length, todaysQuest('match') ? 1 : 0);
    }
  });

  it('gives two people the match award once between them, however many of their cards match', async () => {
    const [n0, n1] = urls();
    const recruiter = await registerUser(n0, undefined, 'recruiter');
    const [member, other] = await Promise.all([registerPerson(n1, 'M'), registerPerson(n0, 'O')]);
    const jobs: Person[] = [];
    for (const title of ['first job', 'second job']) {
      const job = await requestJson<CardView>(n0, 'POST', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title } });
      assert.equal(job.status, 201);
      jobs.push({ ...recruiter, card: job.body });
    }
    // Each job likes the member's card and the member likes it back: two matches, the second made on n1 as the first.
    const matchIds: string[] = [];
    for (const job of jobs) matchIds.push(await matchPeople(job, member, [n0, n1]));
    assert.equal(new Set(matchIds).size, 2, 'two matches');
    // A match with someone else, made after both on the same node: once it is counted, so were the two before it.
    await matchPeople(other, member, [n0, n1]);
    const matchRows = async (userId: string) =>
      (await pool().query("select action_key from progress_ledger where user_id = $1 and action = 'match' order by action_key", [userId])).rows.map((r: { action_key: string }) => r.action_key);
    await waitUntil(async () => (await matchRows(other.userId)).length === 1 && (await matchRows(member.userId)).length >= 2, 10_000, () => 'the later match counted');
    const otherKey = matchPairKey([other.userId, member.userId]);
    const key = matchPairKey([recruiter.userId, member.userId]);
    assert.deepEqual(await matchRows(recruiter.userId), [key]);
    assert.deepEqual(await matchRows(member.userId), [key, otherKey].sort());
    assert.equal((await progressOf(n1, recruiter)).xp, XP_RULES.match + questXp('match'));
    assert.equal((await progressOf(n0, member)).xp, 2 * XP_RULES.match + questXp('match'));
  });

  it('counts a swipe once for the daily quest, and refused or repeated swipes not at all', async () => {
    const [n0, n1] = urls();
    const swiper = await registerPerson(n0, 'S');
    const jobs = await jobCards(n1, 21);
    const [phone, tablet] = await Promise.all([device(n0, swiper, 'phone'), device(n1, swiper, 'tablet')]);
    // Refused: own card, unknown card. They earn nothing.
    assert.equal(codeOf(await swipe(phone, swiper, swiper)), 'SELF_SWIPE');
    for (let i = 0; i < 20; i++) {
      // Each pass sent from both devices, on both nodes: one is stored, the other a repeat.
      const [x, y] = await Promise.all([swipe(phone, swiper, jobs[i]!, 'pass'), swipe(tablet, swiper, jobs[i]!, 'pass')]);
      assert.deepEqual([replyOf<SwipeResult>(x).repeated, replyOf<SwipeResult>(y).repeated].sort(), [false, true]);
    }
    const quest = todaysQuest('swipe');
    if (quest) {
      // Counted with each swipe: the quest completes with the twentieth.
      await waitForEvents(phone, (events) => events.some((e) => e.type === 'quest.completed'));
      const progress = await progressOf(n1, swiper);
      assert.deepEqual(progress.quests.find((q) => q.id === quest.id), { ...progress.quests.find((q) => q.id === quest.id)!, count: 20, completed: true });
      assert.equal(progress.xp, quest.xp);
      // The swipes' own rows keep them counted once: no ledger row each.
      const rows = await pool().query("select count(*)::int as n from progress_ledger where user_id = $1 and action = 'swipe'", [swiper.userId]);
      assert.equal(rows.rows[0].n, 0);
      // A 21st swipe after completion adds nothing to the quest's XP, nor to its stored count.
      replyOf(await swipe(phone, swiper, jobs[20]!, 'pass'));
      assert.equal((await progressOf(n0, swiper)).xp, quest.xp);
      assert.equal(ofType(phone, 'quest.completed').length, 1);
      // The 21st is counted (or not) with its answer; a match made after it is counted after that.
      const fan = await registerPerson(n1, 'F');
      replyOf(await swipe(await device(n1, fan, 'phone'), fan, swiper));
      assert.equal(replyOf<SwipeResult>(await swipe(phone, swiper, fan)).matched, true);
      await waitForEvents(phone, (events) => events.some((e) => e.type === 'level.up'));
      const stored = await pool().query('select count from quest_progress where user_id = $1 and quest_id = $2', [swiper.userId, quest.id]);
      assert.deepEqual(stored.rows, [{ count: 20 }]);
    } else {
      assert.equal((await progressOf(n1, swiper)).xp, 0);
      const rows = await pool().query('select count(*)::int as n from progress_ledger where user_id = $1', [swiper.userId]);
      assert.equal(rows.rows[0].n, 0);
    }
  });

  it('settles a quest completed by swipes, which earn no XP, on the XP stored before it: a level crossed', async () => {
    const [n0, n1] = urls();
    const swiper = await registerPerson(n0, 'L');
    const jobs = await jobCards(n1, 20);
    await pool().query('insert into user_progress (user_id, xp) values ($1, 280)', [swiper.userId]); // level 2; 300 is level 3
    const phone = await device(n0, swiper, 'phone');
    for (const job of jobs) replyOf(await swipe(phone, swiper, job, 'pass'));
    const quest = todaysQuest('swipe');
    if (quest) {
      await waitForEvents(phone, (events) => events.some((e) => e.type === 'level.up'));
      const xp = 280 + quest.xp;
      assert.deepEqual(ofType(phone, 'quest.completed').map((e) => e.data['totalXp']), [xp]);
      assert.deepEqual(ofType(phone, 'level.up').map((e) => e.data), [{ level: 3, previousLevel: 2, xp }]);
      assert.equal((await progressOf(n1, swiper)).xp, xp);
    } else {
      assert.equal((await progressOf(n1, swiper)).xp, 280);
    }
  });

  it('counts a pass taken back and made again once: the take-back counts it off', async () => {
    const [n0, n1] = urls();
    const [swiper, passed, fan] = await Promise.all([registerPerson(n0, 'S'), registerPerson(n1, 'X'), registerPerson(n1, 'F')]);
    const phone = await device(n0, swiper, 'phone');
    const quest = todaysQuest('swipe');
    // Counted with the swipe, before its answer.
    const count = async () => (await progressOf(n1, swiper)).quests.find((q) => q.id === quest?.id)?.count;
    replyOf(await swipe(await device(n1, fan, 'phone'), fan, swiper));
    replyOf(await swipe(phone, swiper, passed, 'pass'));
    assert.equal(await count(), quest ? 1 : undefined);
    await pool().query('update users set is_premium = true where id = $1', [swiper.userId]);
    replyOf(await command(phone.room, 'rewind'));
    assert.equal(await count(), quest ? 0 : undefined);
    assert.equal(replyOf<SwipeResult>(await swipe(phone, swiper, passed, 'pass')).repeated, false);
    assert.equal(replyOf<SwipeResult>(await swipe(phone, swiper, fan)).matched, true);
    // The pass once, the like once.
    assert.equal(await count(), quest ? 2 : undefined);
  });

  it('counts a member’s first message in a thread once, through resends and on either node', async () => {
    const [n0, n1] = urls();
    const [a, b] = await Promise.all([registerPerson(n0, 'A'), registerPerson(n1, 'B')]);
    const [da, db] = await Promise.all([device(n0, a, 'phone'), device(n1, b, 'phone')]);
    replyOf(await swipe(da, a, b));
    const matchId = replyOf<SwipeResult>(await swipe(db, b, a)).matchId!;
    await waitForEvents(da, (events) => events.some((e) => e.type === 'level.up'));
    const before = await progressOf(n0, a);
    const [ta, tb] = await Promise.all([joinThread(n0, a, matchId), joinThread(n1, b, matchId)]);
    suite.open.push(ta, tb);
    const send = (t: typeof ta, id: string) => command(t.room, 'send', { clientMessageId: id, kind: 'text', body: `hello ${id}` });
    // The first message resent (same client id) and followed by more: one first message.
    replyOf(await send(ta, 'a-1'));
    replyOf(await send(ta, 'a-1'));
    replyOf(await send(ta, 'a-2'));
    replyOf(await send(tb, 'b-1'));
    const key = `first_message:${matchId}`;
    await waitUntil(async () => (await ledgerRows(a.userId, key)) === 1 && (await ledgerRows(b.userId, key)) === 1, 10_000, () => 'both first messages counted');
    const after = await progressOf(n1, a);
    assert.equal(after.xp - before.xp, XP_RULES.first_message);
    const quest = todaysQuest('first_message');
    if (quest) assert.equal(after.quests.find((q) => q.id === quest.id)!.count, 1);
    // Counted once, whatever more is sent.
    replyOf(await send(ta, 'a-3'));
    assert.equal((await progressOf(n0, a)).xp, after.xp);
  });

  it('counts a completed profile once, however often it is edited, and an incomplete one not at all', async () => {
    const [n0, n1] = urls();
    const person = await registerPerson(n0, 'P'); // a title and a birth year: not complete yet
    assert.equal((await progressOf(n0, person)).xp, 0);
    const edit = (url: string, body: Record<string, unknown>) => requestJson(url, 'PATCH', `/cards/${person.card.id}`, { token: person.accessToken, body });
    assert.equal((await edit(n0, { bio: 'climbs, cooks, reads' })).status, 200);
    assert.equal((await progressOf(n1, person)).xp, 0);
    const tags = [{ tag: 'climbing', weight: 3 }, { tag: 'cooking', weight: 2 }, { tag: 'books', weight: 4 }];
    const [x, y] = await Promise.all([edit(n0, { tags }), edit(n1, { tags, bio: 'climbs, cooks and reads' })]);
    assert.deepEqual([x.status, y.status], [200, 200]);
    assert.equal((await edit(n1, { title: 'P again' })).status, 200);
    assert.equal((await progressOf(n0, person)).xp, XP_RULES.profile_completed);
    assert.equal(await ledgerRows(person.userId, `profile_completed:${person.userId}`), 1);
    // Refused edits change nothing.
    const refused = await requestJson<{ code: string }>(n0, 'PATCH', `/cards/${person.card.id}`, { token: person.accessToken, body: { tags: 'many' } });
    assert.deepEqual([refused.status, refused.body.code], [400, 'INVALID_BODY']);
    assert.equal((await progressOf(n1, person)).xp, XP_RULES.profile_completed);
  });

  it('counts attending a live event to its end once, and not for those who left before it, came for its last minutes or host it', async () => {
    const [n0, n1] = urls();
    const { recruiter, eventId } = await scheduleEvent(n0, 10);
    const [stayer, leaver, brief] = await Promise.all([registerPerson(n0, 'stays'), registerPerson(n1, 'leaves'), registerPerson(n1, 'brief')]);
    for (const user of [stayer, leaver, brief]) {
      assert.equal((await requestJson(n1, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
    }
    const join = (url: string, user: { accessToken: string }) => joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    const [host, stays, leaves, briefly] = await Promise.all([join(n0, recruiter), join(n1, stayer), join(n0, leaver), join(n1, brief)]);
    suite.open.push(host, stays, leaves, briefly);
    await disconnect(leaves);
    const closed = async () =>
      (await pool().query('select count(*)::int as n from attendance where event_id = $1 and user_id = $2 and left_at is not null', [eventId, leaver.userId])).rows[0].n === 1;
    await waitUntil(closed, 10_000, () => 'the leaver’s attendance closed');
    // The event ends now, with the stayer (there for 10 minutes), the brief one (for 9) and the host still in the room.
    const joinedAgo = async (user: Person, minutes: number) =>
      pool().query(`update attendance set joined_at = now() - interval '${minutes} minutes' where event_id = $1 and user_id = $2`, [eventId, user.userId]);
    await Promise.all([joinedAgo(stayer, 10), joinedAgo(brief, 9)]);
    await pool().query("update events set starts_at = now() - interval '1 hour', ends_at = now() where id = $1", [eventId]);
    const key = `event_attended:${eventId}`;
    await waitUntil(async () => (await ledgerRows(stayer.userId, key)) === 1, 10_000, () => 'the stayer’s attendance counted');
    // A round of counting of its own, run to its end: whatever it finds is counted when it returns.
    await countEventAttendance({ db: database.db, userEvents: { publish: async () => {} } as never, now: () => new Date() }, 3_600_000);
    assert.equal((await progressOf(n0, stayer)).xp, XP_RULES.event_attended + questXp('event_attended'));
    // Counted for the one who stayed, never for the one who left or the host.
    const rows = await pool().query('select user_id from progress_ledger where action_key = $1', [key]);
    assert.deepEqual(rows.rows.map((r: { user_id: string }) => r.user_id), [stayer.userId]);
    assert.equal((await progressOf(n1, leaver)).xp, 0);
    assert.equal((await progressOf(n1, brief)).xp, 0);
  });

  it('refuses an event shorter than 15 minutes with its code, and stores nothing', async () => {
    const [n0] = urls();
    const recruiter = await registerUser(n0, undefined, 'recruiter');
    const job = await requestJson<{ id: string }>(n0, 'POST', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title: 'Backend engineer' } });
    const startsAt = Date.now() + 60_000;
    const create = (lengthMs: number) =>
      requestJson<{ code?: string }>(n0, 'POST', '/events', {
        token: recruiter.accessToken,
        body: { jobCardId: job.body.id, title: 'Quick', startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + lengthMs).toISOString(), capacity: 5 },
      });
    for (const lengthMs of [4_000, 15 * 60_000 - 1_000]) {
      const refused = await create(lengthMs);
      assert.deepEqual([refused.status, refused.body.code], [400, 'INVALID_BODY']);
    }
    assert.equal((await pool().query('select count(*)::int as n from events where host_id = $1', [recruiter.userId])).rows[0].n, 0);
    assert.equal((await create(15 * 60_000)).status, 201);
  });

  it('refuses GET /me/progress without a valid token, with its code', async () => {
    const [n0] = urls();
    const missing = await requestJson<{ code: string }>(n0, 'GET', '/me/progress');
    assert.deepEqual([missing.status, missing.body.code], [401, 'TOKEN_MISSING']);
    const invalid = await requestJson<{ code: string }>(n0, 'GET', '/me/progress', { token: 'nonsense' });
    assert.deepEqual([invalid.status, invalid.body.code], [401, 'TOKEN_INVALID']);
  });
});
