import assert from 'node:assert/strict';
import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { command, connectDevice, disconnect, registerUser, requestJson, type Device } from '../support/accounts';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { matchedPair, registerPerson, type Person } from '../support/matches';
import type { CardView } from '../../contracts/cards';
import { COMMAND_RULES, HTTP_RULES } from '../../domain/rateLimits';

const RATE = 5;
const BURST = 10;

/** Answers that were accepted, and the refusals' codes and retry hints. */
function tally(answers: ReadonlyArray<ReplyMessage | ErrorMessage>): { accepted: number; refusals: ErrorMessage[] } {
  const refusals = answers.filter((a): a is ErrorMessage => !('ok' in a));
  return { accepted: answers.length - refusals.length, refusals };
}

describe('rate limits shared by a user’s devices across nodes', function () {
  let cluster: TestCluster | undefined;
  const open: Array<{ close(): void } | Device> = [];

  before(async function () {
    cluster = await startTestCluster(this, 2, {
      ACTOR_PLACEMENT: 'local',
      MESSAGE_RATE_PER_S: String(RATE),
      MESSAGE_BURST: String(BURST),
      SWIPE_RATE_PER_S: String(RATE),
      SWIPE_BURST: String(BURST),
    });
  });

  after(async () => {
    for (const c of open) ('room' in c ? await disconnect(c) : c.close());
    await cluster?.close();
  });

  it('cuts one user’s flood of messages in two threads on two nodes at the configured rate, and nobody else’s', async () => {
    const [n0, n1] = cluster!.nodes as [NodeHandle, NodeHandle];
    // One person matched with two others; the two threads live on different nodes.
    const first = await matchedPair(n0.url);
    const flooder = first.a;
    const second = await registerPerson(n1.url, 'second');
    const [dn, ds] = [await connectDevice(n0.url, flooder, 'setup'), await connectDevice(n1.url, second, 'setup')];
    await command(dn.room, 'swipe', { fromCardId: flooder.card.id, toCardId: second.card.id, action: 'like' });
    const made = (await command(ds.room, 'swipe', { fromCardId: second.card.id, toCardId: flooder.card.id, action: 'like' })) as ReplyMessage<{ matchId: string }>;
    await Promise.all([disconnect(dn), disconnect(ds)]);
    const phone = await ThreadClient.join(n0.url, flooder, first.matchId);
    const laptop = await ThreadClient.join(n1.url, flooder, made.result.matchId);
    const other = await ThreadClient.join(n0.url, first.b, first.matchId);
    open.push(phone, laptop, other);
    assert.notEqual(phone.ready.node, laptop.ready.node);

    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? phone : laptop).sendText(`flood-${i}`, `flood ${i}`)),
    );
    const elapsedS = (Date.now() - started) / 1000;
    const { accepted, refusals } = tally(answers);
    // The burst, plus what refilled while the flood lasted, plus at most one refill of slack.
    assert.ok(accepted >= BURST, `${accepted} accepted`);
    assert.ok(accepted <= BURST + Math.ceil(RATE * elapsedS) + 1, `${accepted} accepted in ${elapsedS} s`);
    assert.equal(refusals.length, 120 - accepted);
    for (const refusal of refusals) {
      assert.equal(refusal.code, 'RATE_LIMITED');
      assert.ok(refusal.retryAfterMs! > 0 && refusal.retryAfterMs! <= 1000 / RATE, String(refusal.retryAfterMs));
    }
    // Nothing refused was stored.
    const stored = await cluster!.pool.query<{ n: string }>('select count(*) as n from messages where sender_id = $1', [flooder.userId]);
    assert.equal(Number(stored.rows[0]!.n), accepted);
    // The other member of the flooded thread is not held back.
    const theirs = await Promise.all(Array.from({ length: 5 }, (_, i) => other.sendText(`calm-${i}`, 'hi')));
    assert.equal(tally(theirs).accepted, 5);
    // After a refill, the flooder may send again.
    await new Promise((resolve) => setTimeout(resolve, 1000 / RATE + 50));
    assert.equal(tally([await phone.sendText('after', 'calmer now')]).accepted, 1);
  });

  it('cuts one member’s flood of history reads at the thread bucket, and not the other member’s reads', async () => {
    const [n0, n1] = cluster!.nodes as [NodeHandle, NodeHandle];
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    const [phone, laptop, other] = [await ThreadClient.join(n0.url, a, matchId), await ThreadClient.join(n1.url, a, matchId), await ThreadClient.join(n1.url, b, matchId)];
    open.push(phone, laptop, other);
    const { perSecond, burst } = COMMAND_RULES.thread;
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 2 * burst }, (_, i) => (i % 2 === 0 ? phone : laptop).request('history', {})));
    const elapsedS = (Date.now() - started) / 1000;
    const { accepted, refusals } = tally(answers);
    assert.ok(accepted >= burst && accepted <= burst + Math.ceil(perSecond * elapsedS) + 1, `${accepted} accepted in ${elapsedS} s`);
    assert.ok(refusals.length > 0 && refusals.every((r) => r.code === 'RATE_LIMITED' && r.retryAfterMs! > 0 && r.retryAfterMs! <= 1000 / perSecond));
    const theirs = await Promise.all([other.request('history', {}), other.request('sync', { afterSeq: 0 }), other.request('read', { seq: 0 })]);
    assert.equal(tally(theirs).accepted, 3, JSON.stringify(theirs));
  });

  it('cuts one person’s flood of joins on two nodes at their request bucket, with 429 and when to come back, and nobody else’s', async () => {
    const [n0, n1] = cluster!.nodes as [NodeHandle, NodeHandle];
    const { perSecond, burst } = HTTP_RULES.request;
    const [flooder, calm] = await Promise.all([registerUser(n0.url), registerUser(n1.url)]);
    const join = async (url: string, user: { userId: string; accessToken: string }, deviceId: string) => {
      const response = await fetch(`${url}/matchmake/joinOrCreate/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
        body: JSON.stringify({ userId: user.userId, deviceId }),
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { code?: string; retryAfterMs?: number } };
    };
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: burst + 50 }, (_, i) => join(i % 2 ? n1.url : n0.url, flooder, `d${i}`)));
    const elapsedS = (Date.now() - started) / 1000;
    const refused = answers.filter((a) => a.status !== 200);
    const served = answers.length - refused.length;
    // Registering and its log-in spent one each before the flood.
    assert.ok(served >= burst - 2 && served <= burst + Math.ceil(perSecond * elapsedS) + 1, `${served} joins served in ${elapsedS} s`);
    assert.ok(refused.length > 0);
    for (const answer of refused) {
      assert.equal(answer.status, 429, JSON.stringify(answer));
      assert.equal(answer.body.code, 'RATE_LIMITED');
      assert.ok(answer.body.retryAfterMs! > 0 && Number(answer.retryAfter) >= 1, JSON.stringify(answer));
    }
    // Someone else joins on either node meanwhile.
    for (const url of [n0.url, n1.url]) assert.equal((await join(url, calm, 'phone')).status, 200);
  });

  it('cuts a flood of swipes from two devices, with codes, and stores none of the refused', async () => {
    const [n0, n1] = cluster!.nodes as [NodeHandle, NodeHandle];
    const swiper = await registerPerson(n0.url, 'swiper');
    const targets: Person[] = await Promise.all(Array.from({ length: 40 }, (_, i) => registerPerson(n1.url, `t${i}`)));
    const devices = [await connectDevice(n0.url, swiper, 'phone'), await connectDevice(n1.url, swiper, 'tablet')];
    open.push(...devices);
    const started = Date.now();
    const answers = await Promise.all(
      targets.map((t, i) => command(devices[i % 2]!.room, 'swipe', { fromCardId: swiper.card.id, toCardId: t.card.id, action: 'pass' })),
    );
    const elapsedS = (Date.now() - started) / 1000;
    const { accepted, refusals } = tally(answers);
    assert.ok(accepted >= BURST && accepted <= BURST + Math.ceil(RATE * elapsedS) + 1, `${accepted} accepted in ${elapsedS} s`);
    assert.ok(refusals.length > 0 && refusals.every((r) => r.code === 'RATE_LIMITED' && r.retryAfterMs! > 0));
    const stored = await cluster!.pool.query<{ n: string }>('select count(*) as n from swipes where from_card_id = $1', [swiper.card.id]);
    assert.equal(Number(stored.rows[0]!.n), accepted);
    // Another user swipes freely meanwhile.
    const calm = await registerPerson(n1.url, 'calm');
    const calmDevice = await connectDevice(n1.url, calm, 'phone');
    open.push(calmDevice);
    const card = await requestJson<CardView>(n1.url, 'GET', `/cards/${targets[0]!.card.id}`, { token: calm.accessToken });
    assert.equal(card.status, 200);
    const answer = await command(calmDevice.room, 'swipe', { fromCardId: calm.card.id, toCardId: targets[0]!.card.id, action: 'like' });
    assert.ok('ok' in answer, JSON.stringify(answer));
  });
});
