import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { latLngToCell } from 'h3-js';
import { LIVE_EVENT_ROOM, LiveEventMessageType } from '../../contracts/liveEvents';
import { LOBBY_ROOM } from '../../contracts/deck';
import { SessionEventType } from '../../contracts/session';
import { command, connectDevice, joinActor, requestJson, waitUntil, type ActorConnection } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { joinThread, matchPeople, registerPerson, replyOf, type Person } from '../support/matches';
import { rawRequest } from '../support/rawHttp';
import { scheduleEvent } from '../support/liveEvents';
import { actorRoomId, type ActorKind } from '../../contracts/actors';

/** Every matchmaking method Colyseus knows. */
const METHODS = ['joinOrCreate', 'create', 'join', 'joinById', 'reconnect'] as const;

/** The matchmaking path, written plainly and in the shapes a normalising router would resolve to it. */
const PATH_VARIANTS: ReadonlyArray<[string, (method: string, room: string) => string]> = [
  ['plain', (m, r) => `/matchmake/${m}/${r}`],
  ['/./', (m, r) => `/./matchmake/${m}/${r}`],
  ['//', (m, r) => `//matchmake/${m}/${r}`],
  ['%2e', (m, r) => `/%2e/matchmake/${m}/${r}`],
  ['%2f', (m, r) => `/matchmake%2f${m}%2f${r}`],
  ['inner /./', (m, r) => `/matchmake/./${m}/${r}`],
];

const BANGALORE = { lat: 12.9716, lng: 77.5946 };
const MYSORE = { lat: 12.2958, lng: 76.6394 };

describe('security: nobody joins an actor that is not theirs, by any matchmaking method or path', function () {
  const suite = useTestCluster(2);

  it('refuses every method × actor kind × path variant × foreign identity with a code, on both nodes, and the victims’ actors receive nothing', async function () {
    this.timeout(180_000);
    const [n0, n1] = suite.nodes;

    // The victim, Bob: his session (a phone), his thread with Carol, his lobby, and an event he attends.
    const [bob, carol] = await Promise.all([registerPerson(n0.url, 'bob'), registerPerson(n1.url, 'carol')]);
    const bobThread = await matchPeople(bob, carol, [n0.url, n1.url]);
    const bobPhone = await connectDevice(n1.url, bob, 'phone');
    suite.open.push(bobPhone);
    replyOf(await command(bobPhone.room, 'location.update', BANGALORE));
    const bobCell = latLngToCell(BANGALORE.lat, BANGALORE.lng, 7);
    const { recruiter: rita, eventId: ritasEvent } = await scheduleEvent(n0.url, 10);
    assert.equal((await requestJson(n0.url, 'POST', `/events/${ritasEvent}/registrations`, { token: bob.accessToken })).status, 201);

    const watched: ActorConnection[] = [
      bobPhone,
      await joinThread(n0.url, bob, bobThread),
      await joinActor(n1.url, bob.accessToken, LOBBY_ROOM, { cell: bobCell }, 'lobby.ready'),
      await joinActor(n0.url, bob.accessToken, LIVE_EVENT_ROOM, { eventId: ritasEvent }, LiveEventMessageType.READY),
      await joinActor(n1.url, rita.accessToken, LIVE_EVENT_ROOM, { eventId: ritasEvent }, LiveEventMessageType.READY),
    ];
    suite.open.push(...watched);

    // The attacker, Alice: a recruiter with an event of her own, a thread of her own, and a location elsewhere.
    const alice: Person = await registerPerson(n0.url, 'alice');
    const dave = await registerPerson(n1.url, 'dave');
    const aliceThread = await matchPeople(alice, dave, [n0.url, n1.url]);
    const aliceDevice = await connectDevice(n0.url, alice, 'setup');
    replyOf(await command(aliceDevice.room, 'location.update', MYSORE));
    await aliceDevice.room.leave();
    const aliceCell = latLngToCell(MYSORE.lat, MYSORE.lng, 7);
    const { recruiter: aliceRecruiter, eventId: alicesEvent } = await scheduleEvent(n1.url, 10);

    const targets: Record<ActorKind, { victimRoomId: string; own: object; foreign: object; token: string }> = {
      session: { victimRoomId: actorRoomId('session', bob.userId), own: { userId: alice.userId, deviceId: 'evil' }, foreign: { userId: bob.userId, deviceId: 'evil' }, token: alice.accessToken },
      chat: { victimRoomId: actorRoomId('chat', bobThread), own: { matchId: aliceThread }, foreign: { matchId: bobThread }, token: alice.accessToken },
      cell: { victimRoomId: actorRoomId('cell', bobCell), own: { cell: aliceCell }, foreign: { cell: bobCell }, token: alice.accessToken },
      event: { victimRoomId: actorRoomId('event', ritasEvent), own: { eventId: alicesEvent }, foreign: { eventId: ritasEvent }, token: aliceRecruiter.accessToken },
    };

    // Her own options are good: the plain route admits her to her own actors (the check can pass).
    for (const [kind, target] of Object.entries(targets)) {
      const own = await rawRequest(n0.url, 'POST', `/matchmake/joinOrCreate/${kind}`, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
        body: JSON.stringify(target.own),
      });
      assert.equal(own.status, 200, `${kind}: her own actor: ${own.body}`);
    }

    const listing = new Redis(suite.cluster.env['REDIS_URL']!);
    const clientsOf = async (roomId: string) => (JSON.parse((await listing.hget('roomcaches', roomId)) ?? '{}') as { clients?: number }).clients;
    const before = await Promise.all(Object.values(targets).map((t) => clientsOf(t.victimRoomId)));

    const answers: string[] = [];
    for (const node of [n0, n1]) {
      for (const method of METHODS) {
        for (const [kind, target] of Object.entries(targets)) {
          for (const [variant, pathOf] of PATH_VARIANTS) {
            // A foreign identity in the path (her own options), or in the options (the kind in the path).
            for (const [placement, room, options] of [['path', target.victimRoomId, target.own], ['options', kind, target.foreign]] as const) {
              const answer = await rawRequest(node.url, 'POST', pathOf(method, room), {
                headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
                body: JSON.stringify({ ...options, reconnectionToken: `${target.victimRoomId}:x` }),
              });
              const what = `${node.url} ${method} ${kind} ${variant} foreign in ${placement}: ${answer.status} ${answer.body}`;
              assert.ok(answer.status >= 400 && answer.status < 500, what);
              assert.match(answer.json?.code ?? '', /^[A-Z_]+$/, what);
              answers.push(answer.json!.code!);
            }
          }
        }
      }
    }
    assert.equal(answers.length, 2 * METHODS.length * 4 * PATH_VARIANTS.length * 2);

    // Nobody got a seat: the listing counts the same clients, and the victims heard of no new device or member.
    assert.deepEqual(await Promise.all(Object.values(targets).map((t) => clientsOf(t.victimRoomId))), before);
    listing.disconnect();
    const bobLaptop = await connectDevice(n0.url, bob, 'laptop');
    suite.open.push(bobLaptop);
    assert.deepEqual(bobLaptop.ready.devices.map((d) => d.deviceId).sort(), ['laptop', 'phone']);
    // The phone hears of the laptop on its own socket, maybe after the laptop is ready; in
    // order, so any device announced before the laptop would come first.
    const devicesChanges = () => bobPhone.received.filter((m) => m.type === SessionEventType.DEVICES_CHANGED);
    await waitUntil(() => devicesChanges().length > 0, 10_000, () => 'the phone told of the laptop');
    const changes = devicesChanges();
    assert.deepEqual(changes.map((m) => (m.message as { devices: Array<{ deviceId: string }> }).devices.map((d) => d.deviceId).sort()), [['laptop', 'phone']]);
  });
});
