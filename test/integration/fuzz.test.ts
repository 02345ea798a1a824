import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Packr } from 'msgpackr';
import { CHAT_ROOM } from '../../contracts/chat';
import { SESSION_ROOM } from '../../contracts/session';
import { RawRoomClient, encodeRoomData, reserveSeat } from '../../loadtest/client/rawRoomClient';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { databaseDigest } from '../support/digest';
import { UNLIMITED_RATES } from '../support/limits';
import { HARNESS_DEFAULTS } from '../../loadtest/harness/secrets';
import { matchedPair, type Person } from '../support/matches';

const FRAMES = 100_000;
const packr = new Packr({ useRecords: false });
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Payloads of the right types in the wrong shapes. */
const WRONG_VALUES: unknown[] = [null, true, 0, -1, 1.5, 2 ** 60, 'x', '', 'x'.repeat(5000), [], [1, 2], {}, { ref: {} }, { ref: 'r'.repeat(200) }, { seq: 'one' }, { action: 'superswipe' }, { __proto__: { admin: true } }, { constructor: { prototype: 1 } }];
const COMMANDS = ['swipe', 'rewind', 'location.update', 'profile.view', 'events.ack', 'presence.set', 'heartbeat', 'send', 'history', 'sync', 'typing', 'read', 'delete', 'no.such.command', '', '\u0000', 'x'.repeat(300)];

/** One bad frame: mostly well-formed envelopes with wrong payloads, some truncated or random bytes. */
function badFrame(): { bytes: Buffer; closes: boolean } {
  const roll = Math.random();
  if (roll < 0.8) {
    const payload = Math.random() < 0.5 ? pick(WRONG_VALUES) : { ...(pick(WRONG_VALUES.filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) as object), [pick(['fromCardId', 'toCardId', 'clientMessageId', 'kind', 'body', 'lat', 'seq', 'status'])]: pick(WRONG_VALUES) };
    return { bytes: encodeRoomData(pick(COMMANDS), payload), closes: false };
  }
  if (roll < 0.9) {
    // A frame with an unknown protocol byte is ignored by the server.
    return { bytes: Buffer.concat([Buffer.from([200 + Math.floor(Math.random() * 50)]), randomBytes(Math.floor(Math.random() * 64))]), closes: false };
  }
  if (roll < 0.98) {
    // Truncated: a valid envelope cut short somewhere in its payload.
    const whole = encodeRoomData(pick(COMMANDS), { ref: 'r', body: 'x'.repeat(40), seq: 7 });
    return { bytes: whole.subarray(0, 1 + Math.floor(Math.random() * (whole.length - 1))), closes: true };
  }
  // Random bytes behind a room-data byte, or a frame over the size limit.
  return Math.random() < 0.5
    ? { bytes: Buffer.concat([Buffer.from([13]), randomBytes(1 + Math.floor(Math.random() * 200))]), closes: true }
    : { bytes: Buffer.concat([encodeRoomData('send', {}).subarray(0, 6), randomBytes(20_000)]), closes: true };
}

describe('a fuzzed protocol against live nodes', function () {
  let cluster: TestCluster | undefined;

  before(async function () {
    // Its few fuzzers join again after every frame that closes them, thousands of joins each: past anyone's request bucket on purpose.
    cluster = await startTestCluster(this, 2, { ...UNLIMITED_RATES, RATE_LIMITS: `${HARNESS_DEFAULTS['RATE_LIMITS']},request=100000:100000` });
  });

  after(async () => {
    await cluster?.close();
  });

  it(`survives ${FRAMES.toLocaleString('en')} bad frames: nodes serve, other users see no error, the database is unchanged`, async () => {
    const [n0, n1] = cluster!.nodes as [NodeHandle, NodeHandle];
    const attacker = await matchedPair(n0.url, [n0.url, n1.url]);
    const bystanders = await matchedPair(n1.url, [n1.url, n0.url]);
    const digestBefore = await databaseDigest(cluster!.pool);

    // Bystanders chat throughout, on their own thread, and must see every message answered.
    const [ba, bb] = [await ThreadClient.join(n1.url, bystanders.a, bystanders.matchId), await ThreadClient.join(n0.url, bystanders.b, bystanders.matchId)];
    let fuzzing = true;
    const bystanderErrors: string[] = [];
    let bystanderSent = 0;
    const bystanderTraffic = (async () => {
      for (let i = 0; fuzzing; i++) {
        const answer = await (i % 2 === 0 ? ba : bb).sendText(`calm-${i}`, `still here ${i}`);
        if ('ok' in answer) bystanderSent++;
        else bystanderErrors.push(answer.code);
      }
    })();

    // The attacker: its own session and its thread, on both nodes, reconnecting whenever a frame gets it thrown out.
    const targets: Array<{ room: string; options: object; node: string }> = [
      { room: SESSION_ROOM, options: { userId: attacker.a.userId, deviceId: 'fuzz' }, node: n0.url },
      { room: CHAT_ROOM, options: { matchId: attacker.matchId }, node: n1.url },
    ];
    let sent = 0;
    let closesExpected = 0;
    await Promise.all(
      targets.map(async (target, t) => {
        const share = FRAMES / targets.length;
        let client: RawRoomClient | undefined;
        for (let n = 0; n < share; ) {
          if (!client?.open) client = await RawRoomClient.connect(target.node, await reserveSeat(target.node, target.room, target.options, attacker.a.accessToken));
          // A burst of frames, then a breath so the socket drains (a flood, not a local buffer overflow).
          for (let k = 0; k < 500 && n < share && client.open; k++, n++) {
            const frame = badFrame();
            client.sendRaw(frame.bytes);
            sent++;
            if (frame.closes) {
              closesExpected++;
              break;
            }
          }
          await new Promise((resolve) => setImmediate(resolve));
          if (t === 0 && n % 10_000 < 500) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        client?.close();
      }),
    );
    fuzzing = false;
    await bystanderTraffic;

    assert.ok(sent >= FRAMES, `${sent} frames sent`);
    assert.ok(closesExpected > 0);
    // Both nodes still serve: health, and a real command through each.
    for (const node of [n0, n1]) assert.equal((await fetch(`${node.url}/readyz`)).status, 200);
    const probe = await ThreadClient.join(n0.url, attacker.b, attacker.matchId);
    assert.ok('ok' in (await probe.sendText('after-the-storm', 'hello')));
    probe.close();
    assert.deepEqual(bystanderErrors, []);
    assert.ok(bystanderSent > 0);
    ba.close();
    bb.close();
    // The database changed only by what was accepted: the bystanders' messages and the probe.
    const stored = await cluster!.pool.query<{ n: string }>('select count(*) as n from messages');
    assert.equal(Number(stored.rows[0]!.n), bystanderSent + 1);
    await cluster!.pool.query('delete from messages');
    await cluster!.pool.query('update matches set last_seq = 0');
    await cluster!.pool.query('delete from stored_events where type = $1', ['message.received']);
    assert.equal(await databaseDigest(cluster!.pool), digestBefore);
  });
});
