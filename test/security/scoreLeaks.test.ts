import assert from 'node:assert/strict';
import type { CardView } from '../../contracts/cards';
import type { DeckResult } from '../../contracts/deck';
import { destinationPoint } from '../../domain/geo';
import { connectDevice, registerUser, requestJson, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { deckOf, personAt, SHARED_PROFILE } from '../support/discovery';

/** What a job seeker answers of a workplace's culture, told to employers only. */
const SEEKER_CULTURE = { pace: 0.3, hierarchy: 0.85 };

const scoreOf = (deck: DeckResult, cardId: string) => deck.cards.find((c) => c.card.id === cardId)?.score;

/** A deck built afresh after an edit of the searcher's own card (which drops the cached one). */
async function freshDeck(device: Device, cardId: string): Promise<DeckResult> {
  const deck = await deckOf(device, cardId);
  assert.equal(deck.cached, false, 'built again after the edit');
  return deck;
}

/**
 * A deck's score may not tell a dater what people are never shown of each other: were a job
 * seeker's culture answers scored against a dater's own, setting one trait of one's own card to
 * 0 and then 1 would give the seeker's exact value from the two scores, and an unchanged score
 * would say that they give none, that is, that they are not looking for work.
 */
describe("security: a deck's score tells a person nothing of another's hiring fields", function () {
  const suite = useTestCluster(2);

  it("scores a job seeker for a dater the same whatever culture either gives, and as someone who gives none", async function () {
    const [n0, n1] = suite.nodes;
    const here = { lat: 48.8566, lng: 2.3522 };
    const [seeker, onlyDating] = await Promise.all([
      personAt(n0!.url, here, 'Sam', { fields: { culture: SEEKER_CULTURE } }),
      personAt(n0!.url, here, 'Kim'),
    ]);
    const dater = await personAt(n1!.url, destinationPoint(here, 1, 90), 'Bo');
    const phone = await connectDevice(n1!.url, dater, 'phone');
    suite.open.push(phone);

    const scores: Array<[number | undefined, number | undefined]> = [];
    for (const culture of [{}, { pace: 0 }, { pace: 1 }, { hierarchy: 0 }, { hierarchy: 1 }]) {
      const edited = await requestJson<CardView>(n1!.url, 'PATCH', `/cards/${dater.card.id}`, { token: dater.accessToken, body: { culture } });
      assert.equal(edited.status, 200);
      const deck = await freshDeck(phone, dater.card.id);
      scores.push([scoreOf(deck, seeker.card.id), scoreOf(deck, onlyDating.card.id)]);
    }
    const [first] = scores;
    assert.ok(first![0] !== undefined && first![0] === first![1], `both in the deck, scored alike: ${JSON.stringify(first)}`);
    assert.deepEqual(scores, scores.map(() => first), "the dater's own culture moves no score, and the seeker's gives no sign of itself");
  });

  it("still scores a person's culture for a job, against the job's own", async function () {
    const [n0, n1] = suite.nodes;
    const at = { lat: 41.3874, lng: 2.1686 };
    const seeker = await personAt(n0!.url, at, 'Sam', { fields: { culture: SEEKER_CULTURE } });
    const recruiter = await registerUser(n1!.url, undefined, 'recruiter');
    const job = await requestJson<CardView>(n1!.url, 'POST', '/cards', {
      token: recruiter.accessToken,
      body: { kind: 'job', title: 'Trail guide', ...SHARED_PROFILE, ...destinationPoint(at, 1, 0), culture: { pace: 0.3 } },
    });
    assert.equal(job.status, 201);
    const laptop = await connectDevice(n1!.url, recruiter, 'laptop');
    suite.open.push(laptop);

    const scores: Array<number | undefined> = [];
    for (const culture of [{ pace: 0.3 }, { pace: 1 }]) {
      if (scores.length > 0) {
        const edited = await requestJson(n1!.url, 'PATCH', `/cards/${job.body.id}`, { token: recruiter.accessToken, body: { culture } });
        assert.equal(edited.status, 200);
      }
      scores.push(scoreOf(await freshDeck(laptop, job.body.id), seeker.card.id));
    }
    // Tags and bios fit fully (40 + 15), not verified (0 of 5); pace 0.3 against 0.3 is 10 of 10, against 1 is 3 of 10.
    assert.deepEqual(scores, [92.9, 82.9]);
  });
});
