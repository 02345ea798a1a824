import assert from 'node:assert/strict';
import type { CardView } from '../../contracts/cards';
import type { DeckResult } from '../../contracts/deck';
import type { SwipeResult } from '../../contracts/session';
import { NO_HIRING_FIELDS } from '../../domain/cardRules';
import { destinationPoint } from '../../domain/geo';
import { command, connectDevice, registerUser, requestJson } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { deckOf, personAt, SHARED_PROFILE } from '../support/discovery';
import { replyOf, type Person } from '../support/matches';

type Answer = CardView & { code?: string };

const HERE = { lat: 40.7128, lng: -74.006 };
const HIRING = Object.keys(NO_HIRING_FIELDS);
/** What a job seeker tells employers, and no date. */
const LOOKING_FOR_WORK = { salaryMin: 85_000, workAuthorizations: ['asylum pending'], experienceYears: 3 };

const hiringFieldsOf = (card: object) => HIRING.filter((field) => field in card);
const keysOf = (card: object) => Object.keys(card).sort();
const entryOf = (deck: DeckResult, cardId: string) => deck.cards.find((c) => c.card.id === cardId)?.card;

/**
 * One person card serves dating and hiring: a job seeker's salary, work authorisation and
 * experience reach jobs only, never the people who date them; a dater's birth year reaches
 * people only, and a dating profile is in no job's deck at all.
 */
describe('security: dating and hiring see of each other only what is theirs to see', function () {
  const suite = useTestCluster(2);

  it('shows people a job seeker without what they told employers, in decks, card reads and profile views, and filters no deck of people by it', async function () {
    const [n0, n1] = suite.nodes;
    const seeker = await personAt(n0!.url, HERE, 'Sam');
    const edited = await requestJson<Answer>(n0!.url, 'PATCH', `/cards/${seeker.card.id}`, { token: seeker.accessToken, body: LOOKING_FOR_WORK });
    assert.deepEqual([edited.body.salaryMin, edited.body.workAuthorizations], [85_000, ['asylum pending']], 'the owner sees all of it');

    const dater = await personAt(n1!.url, destinationPoint(HERE, 1, 90), 'Bo');
    // Preferences Sam's card would fail if they filtered people: they are hiring preferences, for jobs' decks only.
    const prefs = await requestJson(n1!.url, 'PUT', '/me/preferences', { token: dater.accessToken, body: { workAuthorizations: ['EU citizen'], minExperienceYears: 10 } });
    assert.equal(prefs.status, 200);
    const phone = await connectDevice(n1!.url, dater, 'phone');
    suite.open.push(phone);

    const deck = await deckOf(phone, dater.card.id);
    const inDeck = entryOf(deck, seeker.card.id);
    assert.ok(inDeck, 'Sam is in the dating deck, whatever work authorisation or experience the dater asked of jobs');
    assert.deepEqual(hiringFieldsOf(inDeck), []);
    assert.equal(inDeck.birthYear, 1994);

    const read = await requestJson<Answer>(n0!.url, 'GET', `/cards/${seeker.card.id}`, { token: dater.accessToken });
    assert.deepEqual([read.status, hiringFieldsOf(read.body), read.body.birthYear], [200, [], 1994]);
    const viewed = replyOf<CardView>(await command(phone.room, 'profile.view', { cardId: seeker.card.id }));
    assert.deepEqual([hiringFieldsOf(viewed), viewed.birthYear], [[], 1994]);

    // An edit reaches a cached deck as its searcher may see it.
    await requestJson(n0!.url, 'PATCH', `/cards/${seeker.card.id}`, { token: seeker.accessToken, body: { bio: `${SHARED_PROFILE.bio}, and chess`, salaryMin: 90_000 } });
    const cached = await deckOf(phone, dater.card.id);
    const after = entryOf(cached, seeker.card.id);
    assert.ok(cached.cached && after);
    assert.equal(after.bio, `${SHARED_PROFILE.bio}, and chess`);
    assert.deepEqual(hiringFieldsOf(after), []);
  });

  it('shows a job only people who look for work, without their birth year, and a card read as the job the same', async function () {
    const [n0, n1] = suite.nodes;
    const at = { lat: 52.52, lng: 13.405 };
    const [seeker, dater] = await Promise.all([personAt(n0!.url, at, 'Sam'), personAt(n1!.url, destinationPoint(at, 1, 0), 'Bo')]);
    await requestJson(n0!.url, 'PATCH', `/cards/${seeker.card.id}`, { token: seeker.accessToken, body: LOOKING_FOR_WORK });

    const recruiter = await registerUser(n0!.url, undefined, 'recruiter');
    const job = await requestJson<Answer>(n0!.url, 'POST', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title: 'Trail guide', ...SHARED_PROFILE, ...at } });
    assert.equal(job.status, 201);
    const laptop = await connectDevice(n1!.url, recruiter, 'laptop');
    suite.open.push(laptop);

    const deck = await deckOf(laptop, job.body.id);
    assert.deepEqual(deck.cards.map((c) => c.card.title), ['Sam'], 'the job seeker, and no dating profile');
    const candidate = entryOf(deck, seeker.card.id)!;
    assert.ok(!('birthYear' in candidate));
    assert.deepEqual([candidate.salaryMin, candidate.workAuthorizations, candidate.experienceYears, candidate.photos], [85_000, ['asylum pending'], 3, []]);

    // A card read as the job is shown as the deck shows it; read as nobody in particular, neither side's fields.
    const asJob = await requestJson<Answer>(n1!.url, 'GET', `/cards/${seeker.card.id}?as=${job.body.id}`, { token: recruiter.accessToken });
    assert.deepEqual([asJob.status, 'birthYear' in asJob.body, asJob.body.salaryMin], [200, false, 85_000]);
    const unsaid = await requestJson<Answer>(n1!.url, 'GET', `/cards/${seeker.card.id}`, { token: recruiter.accessToken });
    assert.deepEqual(['birthYear' in unsaid.body, hiringFieldsOf(unsaid.body)], [false, []]);
    const viewed = replyOf<CardView>(await command(laptop.room, 'profile.view', { cardId: dater.card.id, as: job.body.id }));
    assert.ok(!('birthYear' in viewed));
    const notHers = await requestJson<Answer>(n1!.url, 'GET', `/cards/${seeker.card.id}?as=${dater.card.id}`, { token: recruiter.accessToken });
    assert.deepEqual([notHers.status, notHers.body.code], [403, 'NOT_YOUR_CARD']);

    // Someone who stops looking for work leaves the job's deck, its cached one too.
    const stopped = { experienceYears: null, salaryMin: null, workAuthorizations: [] };
    assert.equal((await requestJson(n0!.url, 'PATCH', `/cards/${seeker.card.id}`, { token: seeker.accessToken, body: stopped })).status, 200);
    const cached = await deckOf(laptop, job.body.id);
    assert.deepEqual([cached.cached, cached.cards.length], [true, 0]);
  });

  it('shows a job a person\'s hiring fields only where it reaches them: near enough for its deck, or liked or matched by them', async function () {
    const [n0, n1] = suite.nodes;
    const at = { lat: 48.8566, lng: 2.3522 };
    const [seeker, dater] = await Promise.all([
      personAt(n0!.url, at, 'Sam', { fields: LOOKING_FOR_WORK }),
      personAt(n1!.url, destinationPoint(at, 1, 180), 'Bo'),
    ]);
    // Anyone may register as a recruiter: a dater's second account, say, which never said where it is.
    const recruiter = await registerUser(n0!.url, undefined, 'recruiter');
    const postJob = async (title: string, place: object = {}) => {
      const job = await requestJson<Answer>(n0!.url, 'POST', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title, ...SHARED_PROFILE, ...place } });
      assert.equal(job.status, 201);
      return job.body.id;
    };
    const nowhere = await postJob('Anywhere');
    const far = await postJob('Far', destinationPoint(at, 300, 90));
    const near = await postJob('Near', destinationPoint(at, 5, 0));
    const laptop = await suite.device(n1!.url, recruiter, 'laptop');
    const read = async (card: Person, as: string) => (await requestJson<Answer>(n1!.url, 'GET', `/cards/${card.card.id}?as=${as}`, { token: recruiter.accessToken })).body;
    const viewed = async (card: Person, as: string) => replyOf<CardView>(await command(laptop.room, 'profile.view', { cardId: card.card.id, as }));

    const seen = await read(seeker, near);
    assert.deepEqual([seen.salaryMin, seen.workAuthorizations, seen.experienceYears], [85_000, ['asylum pending'], 3], 'a job near enough for its deck sees them');
    assert.equal((await viewed(seeker, near)).salaryMin, 85_000);
    const unseen = await read(seeker, far);
    assert.deepEqual([hiringFieldsOf(unseen), 'birthYear' in unseen], [[], false], 'a job 300 km away sees no hiring field');
    assert.deepEqual(hiringFieldsOf(await viewed(seeker, far)), []);
    assert.deepEqual(hiringFieldsOf(await read(seeker, nowhere)), [], 'nor a job placed nowhere whose owner is nowhere');

    // Someone who gives no hiring field looks exactly as a seeker out of reach, near the job or not, and as to a recruiter naming no card.
    const anyone = (await requestJson<Answer>(n1!.url, 'GET', `/cards/${seeker.card.id}`, { token: recruiter.accessToken })).body;
    for (const answer of [await read(dater, near), await read(dater, far), await viewed(dater, near), await viewed(seeker, far), anyone]) {
      assert.deepEqual(keysOf(answer), keysOf(unseen));
    }

    // A job placed nowhere searches from where its owner is: there, it reaches whom its deck would.
    replyOf(await command(laptop.room, 'location.update', { ...destinationPoint(at, 3, 270) }));
    assert.equal((await read(seeker, nowhere)).salaryMin, 85_000);
    assert.deepEqual(hiringFieldsOf(await read(dater, nowhere)), []);

    // A seeker who likes a far job shows it what they told employers; that job's own like of them shows it nothing.
    const phone = await suite.device(n0!.url, seeker, 'phone');
    replyOf(await command(phone.room, 'swipe', { fromCardId: seeker.card.id, toCardId: far, action: 'like' }));
    assert.equal((await read(seeker, far)).salaryMin, 85_000);
    assert.equal((await viewed(seeker, far)).salaryMin, 85_000);
    const farther = await postJob('Farther', destinationPoint(at, 400, 180));
    replyOf(await command(laptop.room, 'swipe', { fromCardId: farther, toCardId: seeker.card.id, action: 'like' }));
    assert.deepEqual(hiringFieldsOf(await read(seeker, farther)), []);
    const matched = replyOf<SwipeResult>(await command(phone.room, 'swipe', { fromCardId: seeker.card.id, toCardId: farther, action: 'like' }));
    assert.ok(matched.matchId);
    // The match alone reaches them: their like is taken away in storage (no route takes a like back).
    await suite.cluster.pool.query('delete from swipes where from_card_id = $1 and to_card_id = $2', [seeker.card.id, farther]);
    assert.equal((await read(seeker, farther)).salaryMin, 85_000);
    assert.deepEqual(hiringFieldsOf(await read(dater, far)), [], 'a like by someone else reaches nobody else');
  });
});
