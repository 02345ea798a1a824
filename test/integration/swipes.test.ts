import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isValidCell, getResolution } from 'h3-js';
import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import type { LocationUpdateResult, MatchCreatedData, RewindResult, SwipeResult } from '../../contracts/session';
import type { TokenPair } from '../../contracts/auth';
import type { CardView } from '../../contracts/cards';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { BACKENDS } from '../support/backends';
import { command, connectDevice, disconnect, eventsOf, registerUser, requestJson, waitForEvents, waitUntil, type Device } from '../support/accounts';
import { liveActors } from '../support/cluster';
import { ADMIN_KEY } from '../support/operator';

const QUOTA = 3;
const settle = (ms = 400) => new Promise((resolve) => setTimeout(resolve, ms));

function replyOf<T>(answer: ReplyMessage | ErrorMessage): T {
  if (!('ok' in answer)) throw new Error(`expected a reply, got ${answer.code}: ${answer.message}`);
  return answer.result as T;
}
function codeOf(answer: ReplyMessage | ErrorMessage): string {
  return 'code' in answer ? answer.code : 'ok';
}

for (const backend of BACKENDS) {
  describe(`cards, swipes and the event stream on ${backend.name}`, function () {
    let node: NodeHandle;
    let teardown: () => Promise<void> = async () => {};
    const devices: Device[] = [];

    /** A user with a person card, and (when asked) a connected device. */
    interface Person extends TokenPair {
      readonly card: CardView;
    }
    async function person(title = 'someone'): Promise<Person> {
      const user = await registerUser(node.url);
      const created = await requestJson<CardView>(node.url, 'POST', '/cards', {
        token: user.accessToken,
        body: { kind: 'person', title, birthYear: 1994, tags: [{ tag: 'climbing', weight: 3 }] },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return { ...user, card: created.body };
    }
    async function connect(user: TokenPair, deviceId = 'phone'): Promise<Device> {
      const device = await connectDevice(node.url, user, deviceId);
      devices.push(device);
      return device;
    }
    const swipe = (device: Device, from: Person, to: { card: CardView }, action: 'like' | 'pass' | 'superlike' = 'like') =>
      command(device.room, 'swipe', { fromCardId: from.card.id, toCardId: to.card.id, action });
    const makePremium = (user: TokenPair) =>
      requestJson(node.url, 'POST', `/admin/users/${user.userId}`, { token: ADMIN_KEY, body: { isPremium: true } });

    before(async function () {
      const setup = await backend.setup(this);
      if (!setup) return;
      teardown = setup.teardown;
      node = await startNodeProcess({ ...setup.env, DAILY_LIKE_QUOTA: String(QUOTA), ADMIN_API_KEY: ADMIN_KEY });
    });

    after(async () => {
      await Promise.all(devices.map(disconnect));
      await node?.stop();
      await teardown();
    });

    describe('cards', () => {
      it('creates a profile, shows it to others without coordinates, updates and lists it', async () => {
        const owner = await person('Ada');
        const reader = await registerUser(node.url);
        const seen = await requestJson<CardView & { lat?: unknown }>(node.url, 'GET', `/cards/${owner.card.id}`, { token: reader.accessToken });
        assert.equal(seen.status, 200);
        assert.equal(seen.body.title, 'Ada');
        assert.equal('lat' in seen.body, false);
        const updated = await requestJson<CardView>(node.url, 'PATCH', `/cards/${owner.card.id}`, {
          token: owner.accessToken,
          body: { bio: 'bouldering on weekends', experienceYears: 4 },
        });
        assert.equal(updated.status, 200);
        assert.equal(updated.body.bio, 'bouldering on weekends');
        assert.equal(updated.body.title, 'Ada');
        const mine = await requestJson<{ cards: CardView[] }>(node.url, 'GET', '/me/cards', { token: owner.accessToken });
        assert.deepEqual(mine.body.cards.map((c) => [c.id, c.experienceYears]), [[owner.card.id, 4]]);
      });

      it('lets recruiters post jobs placed in their H3 cell, and nobody else', async () => {
        const recruiter = await registerUser(node.url, undefined, 'recruiter');
        const job = await requestJson<CardView>(node.url, 'POST', '/cards', {
          token: recruiter.accessToken,
          body: { kind: 'job', title: 'Backend engineer', salaryMin: 60000, salaryMax: 90000, lat: 52.52, lng: 13.405, remote: true },
        });
        assert.equal(job.status, 201, JSON.stringify(job.body));
        assert.equal(job.body.h3Cell, '871f1d489ffffff');
        const member = await registerUser(node.url);
        const refused = await requestJson<{ code: string }>(node.url, 'POST', '/cards', { token: member.accessToken, body: { kind: 'job', title: 'x' } });
        assert.deepEqual([refused.status, refused.body.code], [403, 'RECRUITER_ONLY']);
      });

      it('refuses bad input with a code and changes nothing', async () => {
        const owner = await person('Grace');
        const other = await registerUser(node.url);
        const cases: Array<[string, Promise<{ status: number; body: unknown }>, number, string]> = [
          ['no token', requestJson(node.url, 'POST', '/cards', { body: { kind: 'person', title: 'x', birthYear: 1990 } }), 401, 'TOKEN_MISSING'],
          ['bad token', requestJson(node.url, 'GET', `/cards/${owner.card.id}`, { token: 'nonsense' }), 401, 'TOKEN_INVALID'],
          ['no birth year', requestJson(node.url, 'POST', '/cards', { token: other.accessToken, body: { kind: 'person', title: 'x' } }), 400, 'INVALID_BODY'],
          ['unknown field', requestJson(node.url, 'POST', '/cards', { token: other.accessToken, body: { kind: 'person', title: 'x', birthYear: 1990, verified: true } }), 400, 'INVALID_BODY'],
          ['title too long', requestJson(node.url, 'POST', '/cards', { token: other.accessToken, body: { kind: 'person', title: 'x'.repeat(500), birthYear: 1990 } }), 400, 'INVALID_BODY'],
          ['salary upside down', requestJson(node.url, 'PATCH', `/cards/${owner.card.id}`, { token: owner.accessToken, body: { salaryMin: 10, salaryMax: 5 } }), 400, 'INVALID_BODY'],
          ['malformed JSON', requestJson(node.url, 'PATCH', `/cards/${owner.card.id}`, { token: owner.accessToken, body: '{"bio":' }), 400, 'INVALID_BODY'],
          ['second profile', requestJson(node.url, 'POST', '/cards', { token: owner.accessToken, body: { kind: 'person', title: 'again', birthYear: 1990 } }), 409, 'PERSON_CARD_EXISTS'],
          ['someone else’s card', requestJson(node.url, 'PATCH', `/cards/${owner.card.id}`, { token: other.accessToken, body: { title: 'mine now' } }), 403, 'NOT_YOUR_CARD'],
          ['not a card id', requestJson(node.url, 'GET', '/cards/not-a-uuid', { token: other.accessToken }), 404, 'CARD_NOT_FOUND'],
          ['unknown card', requestJson(node.url, 'GET', `/cards/${randomUUID()}`, { token: other.accessToken }), 404, 'CARD_NOT_FOUND'],
        ];
        for (const [what, request, status, code] of cases) {
          const answer = await request;
          assert.deepEqual([answer.status, (answer.body as { code?: string }).code], [status, code], what);
        }
        const after = await requestJson<CardView>(node.url, 'GET', `/cards/${owner.card.id}`, { token: owner.accessToken });
        assert.deepEqual(after.body, owner.card);
      });

      it('hides a deactivated card from everyone but its owner', async () => {
        const owner = await person();
        const other = await registerUser(node.url);
        const gone = await requestJson<CardView>(node.url, 'DELETE', `/cards/${owner.card.id}`, { token: owner.accessToken });
        assert.equal(gone.body.active, false);
        assert.equal((await requestJson(node.url, 'GET', `/cards/${owner.card.id}`, { token: other.accessToken })).status, 404);
        assert.equal((await requestJson(node.url, 'GET', `/cards/${owner.card.id}`, { token: owner.accessToken })).status, 200);
      });
    });

    describe('preferences and location', () => {
      it('stores preferences, with defaults until set, and refuses an inverted age range', async () => {
        const user = await registerUser(node.url);
        const defaults = await requestJson<{ maxDistanceKm: number }>(node.url, 'GET', '/me/preferences', { token: user.accessToken });
        assert.equal(defaults.body.maxDistanceKm, 25);
        const saved = await requestJson(node.url, 'PUT', '/me/preferences', { token: user.accessToken, body: { maxDistanceKm: 10, ageMin: 25, ageMax: 35, cardKind: 'person' } });
        assert.equal(saved.status, 200);
        const bad = await requestJson<{ code: string }>(node.url, 'PUT', '/me/preferences', { token: user.accessToken, body: { ageMin: 40, ageMax: 30 } });
        assert.deepEqual([bad.status, bad.body.code], [400, 'INVALID_BODY']);
        const read = await requestJson<{ maxDistanceKm: number; ageMin: number; ageMax: number; cardKind: string }>(node.url, 'GET', '/me/preferences', { token: user.accessToken });
        assert.deepEqual([read.body.maxDistanceKm, read.body.ageMin, read.body.ageMax, read.body.cardKind], [10, 25, 35, 'person']);
      });

      it('stores the location as an H3 cell and moves the person’s card there', async () => {
        const user = await person();
        const device = await connect(user);
        const moved = replyOf<LocationUpdateResult>(await command(device.room, 'location.update', { lat: 48.8566, lng: 2.3522 }));
        assert.equal(isValidCell(moved.h3Cell), true);
        assert.equal(getResolution(moved.h3Cell), 7);
        const card = await requestJson<CardView>(node.url, 'GET', `/cards/${user.card.id}`, { token: user.accessToken });
        assert.equal(card.body.h3Cell, moved.h3Cell);
        assert.equal(codeOf(await command(device.room, 'location.update', { lat: 91, lng: 0 })), 'INVALID_MESSAGE');
      });
    });

    describe('swipes through real clients', () => {
      it('matches a like that meets an earlier like, and tells both owners once', async () => {
        const [ada, bob] = await Promise.all([person('ada'), person('bob')]);
        const [adaPhone, bobPhone] = await Promise.all([connect(ada), connect(bob)]);
        const first = replyOf<SwipeResult>(await swipe(adaPhone, ada, bob));
        assert.deepEqual([first.matched, first.matchId, first.likesLeft], [false, null, QUOTA - 1]);
        const second = replyOf<SwipeResult>(await swipe(bobPhone, bob, ada));
        assert.equal(second.matched, true);
        const matchId = second.matchId!;
        for (const [device, self, other] of [[adaPhone, ada, bob], [bobPhone, bob, ada]] as const) {
          const events = await waitForEvents(device, (es) => es.some((e) => e.type === 'match.created'));
          const created = events.filter((e) => e.type === 'match.created');
          assert.equal(created.length, 1);
          assert.deepEqual(created[0]!.data as unknown as MatchCreatedData, {
            matchId, threadId: matchId, cardId: self.card.id, otherCardId: other.card.id, otherUserId: other.userId,
          });
        }
        // Bob heard of Ada's like before it became a match; as a free account, only as a count.
        assert.deepEqual(eventsOf(bobPhone).filter((e) => e.type === 'like.received').map((e) => e.data), [{ count: 1 }]);
      });

      it('answers a repeated swipe with the first result and stores nothing more', async () => {
        const [ada, bob] = await Promise.all([person(), person()]);
        const adaPhone = await connect(ada);
        const bobPhone = await connect(bob);
        const first = replyOf<SwipeResult>(await swipe(adaPhone, ada, bob, 'pass'));
        const again = replyOf<SwipeResult>(await swipe(adaPhone, ada, bob, 'like'));
        assert.deepEqual(again, { ...first, repeated: true });
        replyOf(await swipe(bobPhone, bob, ada));
        const liked = replyOf<SwipeResult>(await swipe(adaPhone, ada, { card: (await person()).card }));
        assert.equal(liked.likesLeft, QUOTA - 1, 'the repeat did not count as a like');
        const matched = replyOf<SwipeResult>(await swipe(bobPhone, bob, ada, 'like'));
        assert.equal(matched.repeated, true);
        assert.equal(matched.matched, false);
      });

      it('refuses self, foreign, unknown, inactive and malformed swipes, each with its code', async () => {
        const [ada, bob, gone] = await Promise.all([person(), person(), person()]);
        const phone = await connect(ada);
        await requestJson(node.url, 'DELETE', `/cards/${gone.card.id}`, { token: gone.accessToken });
        const cases: Array<[string, Promise<ReplyMessage | ErrorMessage>, string]> = [
          ['self', swipe(phone, ada, ada), 'SELF_SWIPE'],
          ['from someone else’s card', swipe(phone, bob, ada), 'NOT_YOUR_CARD'],
          ['unknown card', swipe(phone, ada, { card: { ...bob.card, id: randomUUID() } }), 'CARD_NOT_FOUND'],
          ['deactivated card (as unknown)', swipe(phone, ada, gone), 'CARD_NOT_FOUND'],
          ['bad card id', command(phone.room, 'swipe', { fromCardId: ada.card.id, toCardId: 'x', action: 'like' }), 'INVALID_MESSAGE'],
          ['bad action', command(phone.room, 'swipe', { fromCardId: ada.card.id, toCardId: bob.card.id, action: 'love' }), 'INVALID_MESSAGE'],
        ];
        for (const [what, answer, code] of cases) assert.equal(codeOf(await answer), code, what);
        // None of them was stored: the first real swipe of the pair is not a repeat.
        assert.equal(replyOf<SwipeResult>(await swipe(phone, ada, bob)).repeated, false);
      });

      it('refuses swipes between people who blocked each other, in both directions', async () => {
        const [ada, bob] = await Promise.all([person(), person()]);
        const [adaPhone, bobPhone] = await Promise.all([connect(ada), connect(bob)]);
        const blocked = await requestJson(node.url, 'POST', '/me/blocks', { token: bob.accessToken, body: { userId: ada.userId } });
        assert.equal(blocked.status, 200);
        // As cards that do not exist: neither learns who blocked whom.
        assert.equal(codeOf(await swipe(adaPhone, ada, bob)), 'CARD_NOT_FOUND');
        assert.equal(codeOf(await swipe(bobPhone, bob, ada, 'pass')), 'CARD_NOT_FOUND');
        assert.equal(codeOf(await command(adaPhone.room, 'profile.view', { cardId: bob.card.id })), 'CARD_NOT_FOUND');
      });

      it('holds free accounts to the daily like quota, passes aside, and lifts it for premium', async () => {
        const ada = await person();
        const phone = await connect(ada);
        const others = await Promise.all(Array.from({ length: QUOTA + 3 }, () => person()));
        for (let i = 0; i < QUOTA; i++) assert.equal(replyOf<SwipeResult>(await swipe(phone, ada, others[i]!)).likesLeft, QUOTA - i - 1);
        assert.equal(codeOf(await swipe(phone, ada, others[QUOTA]!)), 'LIKE_QUOTA_EXCEEDED');
        assert.equal(codeOf(await swipe(phone, ada, others[QUOTA]!, 'superlike')), 'LIKE_QUOTA_EXCEEDED');
        assert.equal(codeOf(await swipe(phone, ada, others[QUOTA]!, 'pass')), 'ok');
        assert.equal((await makePremium(ada)).status, 200);
        const premium = replyOf<SwipeResult>(await swipe(phone, ada, others[QUOTA + 1]!));
        assert.deepEqual([premium.action, premium.likesLeft], ['like', null]);
      });

      it('rewinds the last pass for premium only, once, and never a like', async () => {
        const ada = await person();
        const phone = await connect(ada);
        const [bob, cat, dan] = await Promise.all([person(), person(), person()]);
        replyOf(await swipe(phone, ada, bob, 'pass'));
        assert.equal(codeOf(await command(phone.room, 'rewind')), 'PREMIUM_REQUIRED');
        await makePremium(ada);
        assert.deepEqual(replyOf<RewindResult>(await command(phone.room, 'rewind')), { fromCardId: ada.card.id, toCardId: bob.card.id });
        assert.equal(codeOf(await command(phone.room, 'rewind')), 'NOTHING_TO_REWIND');
        // The pass is gone: the pair can be swiped afresh.
        assert.equal(replyOf<SwipeResult>(await swipe(phone, ada, bob, 'like')).repeated, false);
        assert.equal(codeOf(await command(phone.room, 'rewind')), 'NOTHING_TO_REWIND');
        replyOf(await swipe(phone, ada, cat, 'pass'));
        replyOf(await swipe(phone, ada, dan, 'superlike'));
        assert.equal(codeOf(await command(phone.room, 'rewind')), 'NOTHING_TO_REWIND');
      });

      it('allows one rewind per swipe across sessions: a rewind stays spent after the session actor is gone', async () => {
        const ada = await person();
        await makePremium(ada);
        let phone = await connect(ada);
        const [bob, cat, dan] = await Promise.all([person(), person(), person()]);
        replyOf(await swipe(phone, ada, bob, 'pass'));
        replyOf(await swipe(phone, ada, cat, 'pass'));
        assert.equal(replyOf<RewindResult>(await command(phone.room, 'rewind')).toCardId, cat.card.id);
        // Every device of the node leaves, so the session actors (ada's among them) go after their linger.
        await Promise.all(devices.splice(0).map(disconnect));
        await waitUntil(async () => (await liveActors([node], 'session')) === 0, 60_000, () => 'the session actors to go');
        phone = await connect(ada);
        assert.equal(codeOf(await command(phone.room, 'rewind')), 'NOTHING_TO_REWIND', 'the pass before the one rewound stays');
        replyOf(await swipe(phone, ada, dan, 'pass'));
        assert.equal(replyOf<RewindResult>(await command(phone.room, 'rewind')).toCardId, dan.card.id, 'a newer pass can be rewound');
      });

      it('refuses operator changes without the operator key', async () => {
        const user = await registerUser(node.url);
        const answer = await requestJson<{ code: string }>(node.url, 'POST', `/admin/users/${user.userId}`, { token: user.accessToken, body: { isPremium: true } });
        assert.deepEqual([answer.status, answer.body.code], [403, 'FORBIDDEN']);
      });
    });

    describe('the event stream', () => {
      it('delivers 20 events stored while offline to each new device in order, once acknowledged never again, and live ones live', async () => {
        const star = await person('star');
        const fans = await Promise.all(Array.from({ length: 20 }, () => person()));
        for (const fan of fans) {
          const phone = await connect(fan);
          replyOf(await swipe(phone, fan, star));
        }

        const first = await connect(star, 'phone');
        assert.equal(first.ready.latestSeq, 20);
        const received = await waitForEvents(first, (es) => es.length >= 20);
        assert.deepEqual(received.map((e) => e.seq), Array.from({ length: 20 }, (_, i) => i + 1));
        assert.deepEqual(received.map((e) => e.data['count']), Array.from({ length: 20 }, (_, i) => i + 1));
        assert.ok(received.every((e) => e.type === 'like.received'));
        await first.room.leave();

        const second = await connect(star, 'tablet');
        const again = await waitForEvents(second, (es) => es.length >= 20);
        assert.deepEqual(again.map((e) => e.seq), received.map((e) => e.seq));
        assert.equal((replyOf<{ ackedSeq: number }>(await command(second.room, 'events.ack', { seq: 20 }))).ackedSeq, 20);
        await second.room.leave();

        const back = await connect(star, 'tablet');
        await settle();
        assert.deepEqual(eventsOf(back), [], 'an acknowledged event came back');

        const late = await person();
        const latePhone = await connect(late);
        replyOf(await swipe(latePhone, late, star));
        const live = await waitForEvents(back, (es) => es.length >= 1);
        assert.deepEqual(live.map((e) => [e.seq, e.type]), [[21, 'like.received']]);
        // A device cannot acknowledge past what it was sent.
        assert.equal(replyOf<{ ackedSeq: number }>(await command(back.room, 'events.ack', { seq: 999 })).ackedSeq, 21);
        assert.equal(codeOf(await command(back.room, 'events.ack', { seq: -1 })), 'INVALID_MESSAGE');
      });

      it('shows premium accounts who liked them', async () => {
        const [vip, fan] = await Promise.all([person(), person()]);
        await makePremium(vip);
        const vipPhone = await connect(vip);
        replyOf(await swipe(await connect(fan), fan, vip, 'superlike'));
        const [event] = await waitForEvents(vipPhone, (es) => es.length >= 1);
        assert.deepEqual(event!.data, { fromCardId: fan.card.id, fromUserId: fan.userId, toCardId: vip.card.id, superlike: true, count: 1 });
      });

      it('tells an owner their profile was viewed, once per viewer in a while', async () => {
        const [owner, viewer] = await Promise.all([person(), person()]);
        const ownerPhone = await connect(owner);
        const viewerPhone = await connect(viewer);
        const card = replyOf<CardView>(await command(viewerPhone.room, 'profile.view', { cardId: owner.card.id }));
        assert.equal(card.id, owner.card.id);
        replyOf(await command(viewerPhone.room, 'profile.view', { cardId: owner.card.id }));
        const [event] = await waitForEvents(ownerPhone, (es) => es.length >= 1);
        assert.deepEqual([event!.type, event!.data], ['profile.viewed', { cardId: owner.card.id, viewerId: viewer.userId }]);
        await settle();
        assert.equal(eventsOf(ownerPhone).length, 1);
      });

      it('tells matched people when the other comes and goes, without storing it', async () => {
        const [ada, bob] = await Promise.all([person(), person()]);
        const adaPhone = await connect(ada);
        const bobPhone = await connect(bob);
        replyOf(await swipe(adaPhone, ada, bob));
        replyOf(await swipe(bobPhone, bob, ada));
        await waitForEvents(adaPhone, (es) => es.some((e) => e.type === 'match.created'));
        await bobPhone.room.leave();
        const presence = await waitForEvents(adaPhone, (es) => es.some((e) => e.type === 'presence.changed'));
        const change = presence.find((e) => e.type === 'presence.changed')!;
        assert.equal(change.seq, null);
        assert.deepEqual([change.data['userId'], change.data['presence']], [bob.userId, 'offline']);
      });
    });
  });
}
