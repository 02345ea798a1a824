import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActorConnection, type ConnectionStatus } from '../../client/actorConnection';
import { REJOIN_MAX_DELAY_MS } from '../../client/rejoinPolicy';
import { ServerMessageType, type ErrorMessage } from '../../contracts/common';
import { KismetCloseCode } from '../../contracts/messageTypes';
import { SESSION_ROOM, SessionEventType } from '../../contracts/session';
import { DEFAULT_CONNECTION_MESSAGES, REFUSALS_BEFORE_CLOSE_PER_BURST } from '../../domain/messagePace';
import { RawRoomClient, reserveSeat } from '../../loadtest/client/rawRoomClient';
import { command, registerUser, waitUntil, withTimeout } from '../support/accounts';
import { metricValue, useTestCluster } from '../support/cluster';
import { codeOf, joinThread, matchedPair } from '../support/matches';

const { perSecond, burst } = DEFAULT_CONNECTION_MESSAGES;
const FLOOD = 2000;

/** A node's counter of one metric, by its labels in any order; 0 before anything was counted. */
const counted = async (node: { readonly url: string }, name: string, labels: Readonly<Record<string, string>>): Promise<number> => {
  const wanted = Object.entries(labels).map(([key, value]) => `(?=[^}]*${key}="${value.replace(/\./g, '\\.')}")`).join('');
  return (await metricValue(node, new RegExp(`^${name}\\{${wanted}`))) || 0;
};

/** The most messages a connection may have had taken over `elapsedMs`: its burst and what it earned meanwhile. */
const mostTaken = (elapsedMs: number): number => burst + Math.ceil((elapsedMs * perSecond) / 1000) + 1;

describe('security: one connection cannot flood its node with messages', function () {
  // Production's limits (the harness lifts only the registration throttle).
  const suite = useTestCluster(1);
  const node = () => suite.nodes[0];

  it(`refuses a flood of ${FLOOD} events.ack past the connection’s rate (RATE_LIMITED, with when to come back) without running them, then closes it with 4429, while another user’s session answers`, async () => {
    const [flooder, neighbour] = await Promise.all([registerUser(node().url), registerUser(node().url)]);
    const calm = await suite.device(node().url, neighbour);
    const acksBefore = await counted(node(), 'kismet_messages_in_total', { kind: 'session', type: 'events.ack' });
    const closesBefore = await counted(node(), 'kismet_messages_over_pace_total', { kind: 'session', outcome: 'closed' });
    const refusedBefore = await counted(node(), 'kismet_messages_over_pace_total', { kind: 'session', outcome: 'refused' });

    const flood = await RawRoomClient.connect(node().url, await reserveSeat(node().url, SESSION_ROOM, { userId: flooder.userId, deviceId: 'flood' }, flooder.accessToken));
    const refusals: ErrorMessage[] = [];
    flood.onMessage = (type, message) => {
      if (type === ServerMessageType.ERROR) refusals.push(message as ErrorMessage);
    };
    const closed = new Promise<number>((resolve) => (flood.onClose = resolve));
    // The neighbour's heartbeats, one after another, while the flood lasts.
    let flooding = true;
    const beats: string[] = [];
    const beating = (async () => {
      while (flooding) beats.push(codeOf(await command(calm.room, 'heartbeat')));
    })();

    const started = performance.now();
    for (let i = 0; i < FLOOD; i++) flood.send('events.ack', { seq: 0, ref: `ack-${i}` });
    const code = await withTimeout(closed, 30_000, 'the flooding connection to close');
    const elapsedMs = performance.now() - started;
    flooding = false;
    await beating;

    assert.equal(code, KismetCloseCode.TOO_MANY_MESSAGES);
    const taken = (await counted(node(), 'kismet_messages_in_total', { kind: 'session', type: 'events.ack' })) - acksBefore;
    assert.ok(taken >= burst && taken <= mostTaken(elapsedMs), `${taken} acks handled in ${Math.round(elapsedMs)} ms`);
    assert.ok(refusals.length > 0 && refusals.length <= REFUSALS_BEFORE_CLOSE_PER_BURST * burst, `${refusals.length} refused`);
    for (const refusal of refusals) {
      assert.equal(refusal.code, 'RATE_LIMITED', refusal.message);
      assert.ok(refusal.ref?.startsWith('ack-') && refusal.retryAfterMs! > 0, JSON.stringify(refusal));
    }
    assert.ok(taken + refusals.length < FLOOD, 'closed before the flood was through');
    assert.equal((await counted(node(), 'kismet_messages_over_pace_total', { kind: 'session', outcome: 'refused' })) - refusedBefore, refusals.length);
    assert.equal((await counted(node(), 'kismet_messages_over_pace_total', { kind: 'session', outcome: 'closed' })) - closesBefore, 1);

    // The neighbour, on the same node, was answered throughout and still is.
    assert.ok(beats.length > 0 && beats.every((c) => c === 'ok'), `heartbeats: ${beats}`);
    assert.equal(codeOf(await command(calm.room, 'heartbeat')), 'ok');
  });

  it('limits a flood of unknown types, invalid payloads and bytes on a thread the same way, before any is looked at', async () => {
    const { a, matchId } = await matchedPair(node().url);
    const thread = await joinThread(node().url, a, matchId);
    const closed = new Promise<number>((resolve) => thread.room.onLeave(resolve));
    const answered: string[] = [];
    const requests: Array<Promise<void>> = [];
    const started = performance.now();
    for (let i = 0; i < FLOOD; i++) {
      if (i % 3 === 0) {
        requests.push(
          thread.room.request('no.such.command', { i }).then(
            () => void answered.push('ok'),
            (error: { reason?: { code?: string; retryAfterMs?: number } }) => {
              // The requests still on their way when the connection closed are rejected by the SDK without a reason.
              if (error.reason?.code !== undefined) answered.push(error.reason.code === 'RATE_LIMITED' && !(error.reason.retryAfterMs! > 0) ? 'RATE_LIMITED without retryAfterMs' : error.reason.code);
            },
          ),
        );
      } else if (i % 3 === 1) thread.room.send('send', { ref: `bad-${i}`, clientMessageId: 'x', kind: 'text', body: 42 });
      else thread.room.sendBytes('no.such.bytes', new Uint8Array([1, 2, 3]));
    }
    const code = await withTimeout(closed, 30_000, 'the thread connection to close');
    const elapsedMs = performance.now() - started;
    await Promise.all(requests);
    const errors = thread.received.filter((m) => m.type === ServerMessageType.ERROR).map((m) => (m.message as ErrorMessage).code);
    const all: string[] = [...answered, ...errors];

    assert.equal(code, KismetCloseCode.TOO_MANY_MESSAGES);
    const lookedAt = (c: string) => c === 'UNKNOWN_MESSAGE_TYPE' || c === 'INVALID_MESSAGE';
    const looked = all.filter(lookedAt);
    const refused = all.filter((c) => c === 'RATE_LIMITED');
    assert.deepEqual(all.filter((c) => !lookedAt(c) && c !== 'RATE_LIMITED'), [], 'no other answer');
    assert.ok(looked.length >= burst - 1 && looked.length <= mostTaken(elapsedMs), `${looked.length} looked at in ${Math.round(elapsedMs)} ms`);
    assert.ok(refused.length > 0 && refused.length <= REFUSALS_BEFORE_CLOSE_PER_BURST * burst, `${refused.length} refused`);
    assert.ok(new Set(looked).size === 2, `both kinds were answered: ${new Set(looked)}`);
    // Nothing of it reached the thread.
    const other = await joinThread(node().url, a, matchId);
    const history = await command(other.room, 'history', {});
    assert.deepEqual('ok' in history && (history.result as { messages: unknown[] }).messages, []);
    await other.room.leave();
  });

  it('never refuses an honest client’s pace: a burst on joining, then a message every 50 ms for longer than its burst lasts', async () => {
    const user = await registerUser(node().url);
    const device = await suite.device(node().url, user, 'honest');
    const refusedBefore = await counted(node(), 'kismet_messages_over_pace_total', { kind: 'session', outcome: 'refused' });
    const answers: Array<Promise<string>> = [];
    // A rejoining app's first moments: its ready message, an acknowledgement and a few reads at once.
    for (let i = 0; i < 10; i++) answers.push(command(device.room, i % 2 ? 'heartbeat' : 'ready').then(codeOf));
    for (let i = 0; i < burst + 40; i++) {
      answers.push(command(device.room, i % 5 === 0 ? 'events.ack' : 'heartbeat', i % 5 === 0 ? { seq: 0 } : {}).then(codeOf));
      await sleep(50);
    }
    const codes = await Promise.all(answers);
    assert.deepEqual(codes.filter((c) => c !== 'ok'), []);
    assert.equal(await counted(node(), 'kismet_messages_over_pace_total', { kind: 'session', outcome: 'refused' }), refusedBefore);
  });

  it('is rejoined by @kismet/client only after its longest backoff, not in a tight loop', async () => {
    const user = await registerUser(node().url);
    const waits: number[] = [];
    const statuses: Array<[ConnectionStatus, number | undefined]> = [];
    const connection = await ActorConnection.open<unknown>(
      {
        urls: () => [node().url],
        roomName: SESSION_ROOM,
        joinOptions: { userId: user.userId, deviceId: 'looping-app' },
        readyType: SessionEventType.READY,
        accessToken: async () => user.accessToken,
        sleep: async (ms) => void waits.push(ms),
      },
      { status: (status, detail) => void statuses.push([status, detail.closeCode]) },
    );
    try {
      // An app whose loop sends without end.
      for (let i = 0; i < FLOOD; i++) connection.room!.send('heartbeat', {});
      await waitUntil(() => connection.joins === 2 && connection.status === 'open', 20_000, () => `a rejoin; statuses ${JSON.stringify(statuses)}`);
      assert.deepEqual(statuses, [['open', undefined], ['rejoining', KismetCloseCode.TOO_MANY_MESSAGES], ['open', undefined]]);
      assert.deepEqual(waits, [REJOIN_MAX_DELAY_MS], 'the longest backoff before the first rejoin');
      assert.deepEqual(await connection.request('heartbeat', {}).then(() => 'ok'), 'ok');
    } finally {
      await connection.close();
    }
  });
});
