import assert from 'node:assert/strict';
import type { CardView } from '../../contracts/cards';
import { destinationPoint } from '../../domain/geo';
import { command, registerUser, requestJson, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { deckIds, deckOf, LOOKS_FOR_WORK, personAt, SHARED_PROFILE } from '../support/discovery';
import { replyOf } from '../support/matches';

describe('what a deck leaves out as swiped: a person’s passes by account, a job’s by job', function () {
  const suite = useTestCluster(1, { ACTOR_PLACEMENT: 'local' });
  // Kadıköy, Istanbul.
  const here = { lat: 40.9903, lng: 29.0275 };
  const near = (i: number) => destinationPoint(here, 0.4 + i * 0.3, i * 50);
  const pass = (device: Device, fromCardId: string, toCardId: string) =>
    command(device.room, 'swipe', { fromCardId, toCardId, action: 'pass' }).then(replyOf);
  /** A new card of `kind` for the account, placed where its device says it is. */
  async function newCard(token: string, device: Device, body: Record<string, unknown>): Promise<CardView> {
    const created = await requestJson<CardView>(suite.nodes[0].url, 'POST', '/cards', { token, body: { ...SHARED_PROFILE, ...body } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    replyOf(await command(device.room, 'location.update', here));
    return created.body;
  }

  it('a new person card does not bring back anyone the account passed, nor bring it back to anyone who passed it', async () => {
    const url = suite.nodes[0].url;
    const [b, c, d] = await Promise.all([personAt(url, near(0), 'b'), personAt(url, near(1), 'c'), personAt(url, near(2), 'control')]);
    const [bPhone, cPhone, dPhone] = (await Promise.all([b, c, d].map((p) => suite.device(url, p)))) as [Device, Device, Device];
    await pass(bPhone, b.card.id, c.card.id);
    await pass(cPhone, c.card.id, b.card.id);

    assert.equal((await requestJson(url, 'DELETE', `/cards/${b.card.id}`, { token: b.accessToken })).status, 200);
    const replacement = await newCard(b.accessToken, bPhone, { kind: 'person', title: 'b again', birthYear: 1994 });

    const bDeck = deckIds(await deckOf(bPhone, replacement.id));
    assert.ok(bDeck.has(d.card.id), 'the new card has a deck');
    assert.ok(!bDeck.has(c.card.id), 'a person passed from the old card stays out');
    const cDeck = deckIds(await deckOf(cPhone, c.card.id));
    assert.ok(!cDeck.has(replacement.id), 'the new card of a person passed stays out of the passer’s deck');
    assert.ok(deckIds(await deckOf(dPhone, d.card.id)).has(replacement.id), 'and shows to someone who passed nobody');
  });

  it('a job card is its own search: it sees people another job of the owner passed, and the owner’s own profile sees them too', async () => {
    const url = suite.nodes[0].url;
    const p = await personAt(url, near(3), 'candidate', { fields: LOOKS_FOR_WORK });
    const recruiter = await registerUser(url, undefined, 'recruiter');
    const phone = await suite.device(url, recruiter);
    const job = { kind: 'job', title: 'trail guide' };
    const [first, second] = [await newCard(recruiter.accessToken, phone, job), await newCard(recruiter.accessToken, phone, job)];
    const profile = await newCard(recruiter.accessToken, phone, { kind: 'person', title: 'recruiter', birthYear: 1990 });
    assert.ok(deckIds(await deckOf(phone, first.id)).has(p.card.id));
    await pass(phone, first.id, p.card.id);

    assert.ok(!deckIds(await deckOf(phone, first.id)).has(p.card.id), 'out of the deck of the job that passed them');
    assert.ok(deckIds(await deckOf(phone, second.id)).has(p.card.id), 'in the other job’s deck');
    assert.ok(deckIds(await deckOf(phone, profile.id)).has(p.card.id), 'in the owner’s own profile’s deck');
  });
});

