import assert from 'node:assert/strict';
import type { Room } from '@colyseus/sdk';
import { UserEventType } from '../../domain/userEvents';
import { ChatEventType, type MessagePage, type SendResult } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import type { CardView } from '../../contracts/cards';
import type { AuditEntry, ReportView } from '../../contracts/moderation';
import { command, connectDevice, postJson, requestJson, TEST_PASSWORD, waitForEvents, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { joinThread, matchPeople, messagesOfType, registerPerson, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

const closeCode = (room: Room) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

describe('moderation desk, with real clients on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });
  const node = (i: 0 | 1) => suite.nodes[i].url;

  /** An operator request through node 1; `token` null sends none. */
  const admin = <T>(method: 'GET' | 'POST', path: string, body?: unknown, token: string | null = ADMIN_KEY) =>
    requestJson<T>(node(1), method, path, { ...(token === null ? {} : { token }), ...(body === undefined ? {} : { body }) });
  const report = async (from: Person, about: Person, context: string, contextId: string) => {
    const filed = await requestJson<{ reportId: string }>(node(0), 'POST', '/reports', {
      token: from.accessToken,
      body: { userId: about.userId, context, contextId, reason: 'rude' },
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    return filed.body.reportId;
  };
  const resolve = (reportId: string, action: string, note = 'checked') =>
    admin<{ code?: string }>('POST', `/admin/reports/${reportId}/resolve`, { action, note });
  const auditFor = async (targetId: string) => (await admin<{ entries: AuditEntry[] }>('GET', `/admin/audit?targetId=${targetId}`)).body.entries;
  const reportRow = async (reportId: string) =>
    (await suite.cluster.pool.query('select status, resolution, resolution_note from reports where id = $1', [reportId])).rows[0];
  const auditCount = async () => Number((await suite.cluster.pool.query('select count(*) from operator_audit')).rows[0].count);

  it('refuses bad input to every desk route with its code, and changes nothing', async () => {
    const [r, x] = await Promise.all([registerPerson(node(0), 'R'), registerPerson(node(0), 'X')]);
    const reportId = await report(r, x, 'profile', x.card.id);
    const before = await auditCount();
    const cases: Array<[string, Promise<{ status: number; body: { code?: string } }>, number, string]> = [
      ['no key', admin('GET', '/admin/reports', undefined, null), 403, 'FORBIDDEN'],
      ['wrong key', admin('GET', '/admin/audit', undefined, 'nope'), 403, 'FORBIDDEN'],
      ['resolve without the key', admin('POST', `/admin/reports/${reportId}/resolve`, { action: 'ban', note: 'x' }, x.accessToken), 403, 'FORBIDDEN'],
      ['unknown status', admin('GET', '/admin/reports?status=maybe'), 400, 'INVALID_BODY'],
      ['limit out of range', admin('GET', '/admin/reports?limit=100000'), 400, 'INVALID_BODY'],
      ['unknown filter', admin('GET', '/admin/reports?colour=red'), 400, 'INVALID_BODY'],
      ['repeated filter', admin('GET', `/admin/reports?reportedId=${x.userId}&reportedId=${r.userId}`), 400, 'INVALID_BODY'],
      ['bad audit cursor', admin('GET', '/admin/audit?before=abc'), 400, 'INVALID_BODY'],
      ['unknown action', resolve(reportId, 'exile'), 400, 'INVALID_BODY'],
      ['no note', admin('POST', `/admin/reports/${reportId}/resolve`, { action: 'ban' }), 400, 'INVALID_BODY'],
      ['extra field', admin('POST', `/admin/reports/${reportId}/resolve`, { action: 'ban', note: 'x', also: 1 }), 400, 'INVALID_BODY'],
      ['unknown report', resolve('00000000-0000-4000-8000-000000000000', 'ban'), 404, 'NOT_FOUND'],
      ['malformed report id', resolve('not-a-uuid', 'ban'), 404, 'NOT_FOUND'],
      ['message action on a profile report', resolve(reportId, 'remove_message'), 409, 'ACTION_NOT_APPLICABLE'],
      ['verified not a boolean', admin('POST', `/admin/users/${x.userId}/verified`, { verified: 'yes' }), 400, 'INVALID_BODY'],
      ['verify an unknown account', admin('POST', '/admin/users/00000000-0000-4000-8000-000000000000/verified', { verified: true }), 404, 'NOT_FOUND'],
      ['an account update with a note alone', admin('POST', `/admin/users/${x.userId}`, { note: 'why' }), 400, 'INVALID_BODY'],
      ['an account update with an empty note', admin('POST', `/admin/users/${x.userId}`, { banned: true, note: ' ' }), 400, 'INVALID_BODY'],
    ];
    for (const [what, answer, status, code] of cases) {
      const { status: got, body } = await answer;
      assert.equal(got, status, `${what}: ${JSON.stringify(body)}`);
      assert.equal(body.code, code, what);
    }
    assert.deepEqual(await reportRow(reportId), { status: 'open', resolution: null, resolution_note: null });
    assert.equal(await auditCount(), before, 'a refused request writes no audit entry');
    const banned = await suite.cluster.pool.query('select status, shadow_banned from users where id = $1', [x.userId]);
    assert.deepEqual(banned.rows[0], { status: 'active', shadow_banned: false });
  });

  it('lists open reports with people reported most first, filters them and pages through them', async () => {
    const [r1, r2, y, x] = await Promise.all(['R1', 'R2', 'Y', 'X'].map((t) => registerPerson(node(0), t)));
    const aboutY = await report(r1!, y!, 'profile', y!.card.id);
    const aboutX1 = await report(r1!, x!, 'profile', x!.card.id);
    const aboutX2 = await report(r2!, x!, 'profile', x!.card.id);
    const mine = (list: ReportView[]) => list.filter((v) => [aboutY, aboutX1, aboutX2].includes(v.reportId));
    const all = await admin<{ reports: ReportView[] }>('GET', '/admin/reports?limit=200');
    assert.equal(all.status, 200);
    // X has two open reports: both come before Y's older one.
    assert.deepEqual(mine(all.body.reports).map((v) => v.reportId), [aboutX1, aboutX2, aboutY]);
    assert.deepEqual(mine(all.body.reports).map((v) => v.openAgainstReported), [2, 2, 1]);
    const ofX = await admin<{ reports: ReportView[]; nextOffset: number | null }>('GET', `/admin/reports?reportedId=${x!.userId}&limit=1`);
    assert.deepEqual(ofX.body.reports.map((v) => v.reportId), [aboutX1]);
    assert.equal(ofX.body.nextOffset, 1);
    const next = await admin<{ reports: ReportView[] }>('GET', `/admin/reports?reportedId=${x!.userId}&limit=1&offset=1`);
    assert.deepEqual(next.body.reports.map((v) => v.reportId), [aboutX2]);
    const byR2 = await admin<{ reports: ReportView[] }>('GET', `/admin/reports?reporterId=${r2!.userId}&context=profile`);
    assert.deepEqual(byR2.body.reports.map((v) => v.reportId), [aboutX2]);
    assert.equal((await resolve(aboutX2, 'dismiss', 'not a call problem')).status, 200);
    const open = await admin<{ reports: ReportView[] }>('GET', `/admin/reports?reportedId=${x!.userId}`);
    assert.deepEqual(open.body.reports.map((v) => [v.reportId, v.openAgainstReported]), [[aboutX1, 1]]);
    const resolved = await admin<{ reports: ReportView[] }>('GET', `/admin/reports?reportedId=${x!.userId}&status=resolved`);
    assert.deepEqual(resolved.body.reports.map((v) => [v.reportId, v.resolution, v.note]), [[aboutX2, 'dismiss', 'not a call problem']]);
    assert.equal((await resolve(aboutX2, 'ban')).body.code, 'REPORT_RESOLVED', 'a report is resolved once');
    assert.equal((await suite.cluster.pool.query('select status from users where id = $1', [x!.userId])).rows[0].status, 'active');
  });

  it('warn, ban and shadow-ban reach the person on another node, each with its audit entry', async () => {
    const [r, w, b, s] = await Promise.all(['R', 'W', 'B', 'S'].map((t) => registerPerson(node(0), t)));
    const phoneW = await connectDevice(node(1), w!, 'phone');
    const phoneB = await connectDevice(node(1), b!, 'phone');
    suite.open.push(phoneW, phoneB);
    const warned = await report(r!, w!, 'profile', w!.card.id);
    assert.equal((await resolve(warned, 'warn', 'first warning')).status, 200);
    await waitForEvents(phoneW, (events) => events.some((e) => e.type === UserEventType.ACCOUNT_WARNED && e.data['reportId'] === warned));

    const closed = closeCode(phoneB.room);
    const banned = await report(r!, b!, 'profile', b!.card.id);
    assert.equal((await resolve(banned, 'ban', 'repeat offender')).status, 200);
    assert.equal(await closed, KismetCloseCode.SESSION_REVOKED);
    const login = await postJson<{ code: string }>(node(0), '/auth/login', { email: b!.email, password: TEST_PASSWORD });
    assert.equal(login.body.code, 'ACCOUNT_BANNED');

    const hidden = await report(r!, s!, 'profile', s!.card.id);
    assert.equal((await resolve(hidden, 'shadow_ban', 'spam')).status, 200);
    assert.equal((await suite.cluster.pool.query('select shadow_banned from users where id = $1', [s!.userId])).rows[0].shadow_banned, true);

    // Each is in the account's own trail, with the report it came from, beside the operator route's changes.
    assert.equal((await admin('POST', `/admin/users/${b!.userId}`, { banned: false, note: 'appeal upheld' })).status, 200);
    for (const [reportId, action, target] of [[warned, 'report.warn', w], [banned, 'report.ban', b], [hidden, 'report.shadow_ban', s]] as const) {
      const entries = await auditFor(target!.userId);
      const fromDesk = entries.filter((e) => e.action === action);
      assert.deepEqual(fromDesk.map((e) => [e.targetKind, e.targetId, e.detail]), [['user', target!.userId, { reportId, note: fromDesk[0]?.detail['note'] }]]);
      assert.deepEqual(await reportRow(reportId), { status: 'resolved', resolution: action.slice('report.'.length), resolution_note: fromDesk[0]!.detail['note'] });
    }
    assert.deepEqual((await auditFor(b!.userId)).map((e) => [e.action, e.detail]), [
      ['user.update', { banned: false, note: 'appeal upheld' }],
      ['report.ban', { reportId: banned, note: 'repeat offender' }],
    ]);
  });

  it('removes a reported message from the live thread on both nodes, and a reported card from discovery', async () => {
    const [a, b] = await Promise.all([registerPerson(node(0), 'A'), registerPerson(node(1), 'B')]);
    const matchId = await matchPeople(a, b, [node(0), node(1)]);
    const threadB = await joinThread(node(1), b, matchId);
    const threadA = await joinThread(node(0), a, matchId);
    suite.open.push(threadA, threadB);
    const sent = replyOf<SendResult>(await command(threadB.room, 'send', { clientMessageId: 'rude-1', kind: 'text', body: 'something rude' }));
    const ofA = await report(a, b, 'message', `${matchId}:${sent.seq}`);
    // B's own message is no evidence against A: refused when filed, so only the reported person's own message can go.
    const notB = await requestJson<{ code?: string }>(node(0), 'POST', '/reports', {
      token: b.accessToken,
      body: { userId: a.userId, context: 'message', contextId: `${matchId}:${sent.seq}`, reason: 'rude' },
    });
    assert.deepEqual([notB.status, notB.body.code], [400, 'INVALID_BODY']);
    assert.equal((await resolve(ofA, 'remove_message', 'abusive')).status, 200);
    for (const thread of [threadA, threadB]) {
      await waitUntil(() => messagesOfType<{ seq: number }>(thread, ChatEventType.DELETED).some((m) => m.seq === sent.seq));
    }
    const page = replyOf<MessagePage>(await command(threadA.room, 'history', {}));
    assert.deepEqual(page.messages.map((m) => [m.seq, m.deleted, m.body]), [[sent.seq, true, null]]);
    assert.deepEqual((await auditFor(ofA))[0]!.detail, { reportedId: b.userId, note: 'abusive', matchId, seq: sent.seq });

    const ofCard = await report(a, b, 'profile', b.card.id);
    assert.equal((await resolve(ofCard, 'remove_card', 'fake photos')).status, 200);
    const card = await requestJson<CardView>(node(1), 'GET', '/me/cards', { token: b.accessToken });
    assert.deepEqual((card.body as unknown as { cards: CardView[] }).cards.map((c) => c.active), [false]);
  });

  it('sets and clears verified on an account and its cards, and keeps every action in an append-only log', async () => {
    const x = await registerPerson(node(0), 'X');
    const cards = async () => (await requestJson<{ cards: CardView[] }>(node(0), 'GET', '/me/cards', { token: x.accessToken })).body.cards;
    assert.equal((await admin('POST', `/admin/users/${x.userId}/verified`, { verified: true, note: 'passport seen' })).status, 200);
    assert.deepEqual((await cards()).map((c) => c.verified), [true]);
    assert.equal((await admin('POST', `/admin/users/${x.userId}`, { role: 'recruiter' })).status, 200);
    const job = await requestJson<CardView>(node(0), 'POST', '/cards', { token: x.accessToken, body: { kind: 'job', title: 'Engineer' } });
    assert.equal(job.body.verified, true, 'a verified account’s new cards are verified');
    assert.equal((await admin('POST', `/admin/users/${x.userId}/verified`, { verified: false })).status, 200);
    assert.deepEqual((await cards()).map((c) => c.verified), [false, false]);

    const entries = await auditFor(x.userId);
    assert.deepEqual(entries.map((e) => e.action), ['user.unverify', 'user.update', 'user.verify']);
    assert.deepEqual(entries[2]!.detail, { note: 'passport seen' });
    const firstPage = await admin<{ entries: AuditEntry[]; before: string }>('GET', `/admin/audit?targetId=${x.userId}&limit=2`);
    const secondPage = await admin<{ entries: AuditEntry[] }>('GET', `/admin/audit?targetId=${x.userId}&before=${firstPage.body.before}`);
    assert.deepEqual([...firstPage.body.entries, ...secondPage.body.entries].map((e) => e.id), entries.map((e) => e.id));
    await assert.rejects(suite.cluster.pool.query('update operator_audit set action = $1', ['nothing']), /append-only/);
    await assert.rejects(suite.cluster.pool.query('delete from operator_audit'), /append-only/);
    assert.equal((await auditFor(x.userId)).length, 3);
  });
});
