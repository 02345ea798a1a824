import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuthContext, matchMaker } from '@colyseus/core';
import { Client } from '@colyseus/sdk';
import { latLngToCell } from 'h3-js';
import { freePort } from '../../loadtest/harness/nodeProcess';
import { HARNESS_DEFAULTS } from '../../loadtest/harness/secrets';
import { actorRoomId, type ActorKind } from '../../contracts/actors';
import { LIVE_EVENT_ROOM, LiveEventMessageType } from '../../contracts/liveEvents';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { startNode, type KismetNode } from '../../server/node';
import { command, connectDevice, disconnect, expectJoinRefused, joinActor, requestJson, type ActorConnection } from '../support/accounts';
import { scheduleEvent } from '../support/liveEvents';
import { joinThread, matchPeople, registerPerson, replyOf } from '../support/matches';

/**
 * Defence in depth: whatever reaches the matchmaker (a route nobody thought
 * of, a bug in one), each actor admits only its own people. The node runs in
 * this process so the test can call Colyseus's matchmaker directly, past every
 * HTTP route, as such a path would.
 */
describe('security: every actor checks that its caller belongs to it, however the seat was reserved', function () {
  let node: KismetNode;
  let url: string;
  let dataDir: string;
  const open: ActorConnection[] = [];

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-test-'));
    const port = await freePort();
    const config = loadConfig({ ...HARNESS_DEFAULTS, KISMET_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'silent' });
    node = await startNode(config, createLogger('silent'));
    url = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await Promise.all(open.map(disconnect));
    await node?.shutdown();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses, in onJoin, a seat in another’s session, thread, lobby or event reserved with the caller’s own options', async function () {
    this.timeout(60_000);
    const [bob, carol, alice, dave] = await Promise.all(['bob', 'carol', 'alice', 'dave'].map((n) => registerPerson(url, n)));
    const bobThread = await matchPeople(bob!, carol!, [url, url]);
    const aliceThread = await matchPeople(alice!, dave!, [url, url]);
    const bobPhone = await connectDevice(url, bob!, 'phone');
    open.push(bobPhone);
    replyOf(await command(bobPhone.room, 'location.update', { lat: 12.9716, lng: 77.5946 }));
    const aliceDevice = await connectDevice(url, alice!, 'setup');
    replyOf(await command(aliceDevice.room, 'location.update', { lat: 12.2958, lng: 76.6394 }));
    await disconnect(aliceDevice);
    const { recruiter: rita, eventId: ritasEvent } = await scheduleEvent(url, 10);
    const { recruiter: aliceRecruiter, eventId: alicesEvent } = await scheduleEvent(url, 10);
    assert.equal((await requestJson(url, 'POST', `/events/${ritasEvent}/registrations`, { token: bob!.accessToken })).status, 201);
    open.push(await joinThread(url, bob!, bobThread));
    open.push(await joinActor(url, rita.accessToken, LIVE_EVENT_ROOM, { eventId: ritasEvent }, LiveEventMessageType.READY));
    const bobCell = latLngToCell(12.9716, 77.5946, 7);
    await joinActor(url, bob!.accessToken, 'cell', { cell: bobCell }, 'lobby.ready').then((c) => open.push(c));

    const cases: Array<[ActorKind, string, object, string, string]> = [
      ['session', actorRoomId('session', bob!.userId), { userId: alice!.userId, deviceId: 'evil' }, alice!.accessToken, 'NOT_YOUR_SESSION'],
      ['chat', actorRoomId('chat', bobThread), { matchId: aliceThread }, alice!.accessToken, 'NOT_A_MEMBER'],
      ['cell', actorRoomId('cell', bobCell), { cell: latLngToCell(12.2958, 76.6394, 7) }, alice!.accessToken, 'NOT_IN_CELL'],
      ['event', actorRoomId('event', ritasEvent), { eventId: alicesEvent }, aliceRecruiter.accessToken, 'NOT_REGISTERED'],
    ];
    for (const [kind, roomId, ownOptions, token, code] of cases) {
      // The caller's own options pass onAuth: only the actor itself stands in the way.
      const seat = await matchMaker.joinById(roomId, ownOptions, createAuthContext({ headers: { authorization: `Bearer ${token}` } }));
      assert.equal(await expectJoinRefused(new Client(url).consumeSeatReservation(seat)), code, `${kind} with her own options`);
      // A path that skipped onAuth altogether brings no identity at all.
      const bare = await matchMaker.joinById(roomId, ownOptions);
      assert.equal(await expectJoinRefused(new Client(url).consumeSeatReservation(bare)), code, `${kind} without admission`);
    }
    // And the matchmaking controller, behind every HTTP path to it, offers none of the methods that name an actor by id.
    for (const method of ['joinById', 'create', 'join']) {
      await assert.rejects(
        matchMaker.controller.invokeMethod(method, 'session', { userId: alice!.userId, deviceId: 'evil' }, createAuthContext({ headers: { authorization: `Bearer ${alice!.accessToken}` } })),
        /invalid method/,
        method,
      );
    }
    const rooms = await matchMaker.query({});
    for (const [, roomId] of cases) assert.ok(rooms.some((r) => r.roomId === roomId), `${roomId} still there`);
    assert.deepEqual(bobPhone.received.filter((m) => m.type === 'devices.changed'), [], 'Bob’s session heard of no other device');
  });
});
