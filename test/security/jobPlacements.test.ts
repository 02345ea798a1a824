import assert from 'node:assert/strict';
import type { CardView } from '../../contracts/cards';
import { destinationPoint } from '../../domain/geo';
import { command, connectDevice, registerUser, requestJson } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { replyOf } from '../support/matches';

type Answer = CardView & { code?: string; retryAfterMs?: number };

const BERLIN = { lat: 52.52, lng: 13.405 };
const TOKYO = { lat: 35.6762, lng: 139.6503 };
const CITIES = [BERLIN, TOKYO, { lat: 48.8566, lng: 2.3522 }, { lat: -23.5505, lng: -46.6333 }, { lat: 40.7128, lng: -74.006 }, { lat: 19.076, lng: 72.8777 }];

/**
 * A job's deck is built where the job stands: a recruiter moving a job from city to city
 * would read every city's people, where a person's own jumps are refused. A job's place
 * spends its owner's `location` bucket and moves no faster than a person.
 */
describe('security: a job travels no faster than a person', function () {
  const suite = useTestCluster(2);

  const recruiter = () => registerUser(suite.nodes[0]!.url, undefined, 'recruiter');
  const createJob = (url: string, token: string, at?: { lat: number; lng: number }) =>
    requestJson<Answer>(url, 'POST', '/cards', { token, body: { kind: 'job', title: 'Backend engineer', ...at } });
  const moveJob = (url: string, token: string, id: string, to: { lat: number | null; lng: number | null }) =>
    requestJson<Answer>(url, 'PATCH', `/cards/${id}`, { token, body: to });

  it('refuses a job moved from Berlin to Tokyo at once, as a person’s jump, and takes a move a person could make', async function () {
    const [n0, n1] = suite.nodes;
    const owner = await recruiter();
    const job = await createJob(n0!.url, owner.accessToken, BERLIN);
    assert.equal(job.status, 201);

    const jump = await moveJob(n1!.url, owner.accessToken, job.body.id, TOKYO);
    assert.deepEqual([jump.status, jump.body.code], [429, 'LOCATION_IMPLAUSIBLE']);
    assert.ok((jump.body.retryAfterMs ?? 0) > 8 * 3_600_000, `retry once a flight could have landed: ${jump.body.retryAfterMs}`);
    const after = await requestJson<Answer>(n0!.url, 'GET', `/cards/${job.body.id}`, { token: owner.accessToken });
    assert.equal(after.body.h3Cell, job.body.h3Cell, 'the job stays where it was');

    const walk = await moveJob(n1!.url, owner.accessToken, job.body.id, destinationPoint(BERLIN, 2, 0));
    assert.equal(walk.status, 200, JSON.stringify(walk.body));
  });

  it('measures a job placed nowhere from its owner’s own location', async function () {
    const [n0, n1] = suite.nodes;
    const owner = await recruiter();
    const phone = await connectDevice(n0!.url, owner, 'phone');
    suite.open.push(phone);
    replyOf(await command(phone.room, 'location.update', BERLIN));
    const job = await createJob(n1!.url, owner.accessToken);
    assert.equal(job.status, 201);
    assert.equal((await moveJob(n1!.url, owner.accessToken, job.body.id, TOKYO)).body.code, 'LOCATION_IMPLAUSIBLE');
    assert.equal((await moveJob(n0!.url, owner.accessToken, job.body.id, destinationPoint(BERLIN, 1, 180))).status, 200);
    // Taking its place away and giving another is no way round: it is measured from its owner again.
    assert.equal((await moveJob(n0!.url, owner.accessToken, job.body.id, { lat: null, lng: null })).status, 200);
    assert.equal((await moveJob(n1!.url, owner.accessToken, job.body.id, TOKYO)).body.code, 'LOCATION_IMPLAUSIBLE');
  });

  it('counts every placement, new jobs’ too, in the owner’s location bucket, on every node together', async function () {
    const [n0, n1] = suite.nodes;
    const owner = await recruiter();
    const answers: Array<{ status: number; code?: string }> = [];
    for (let i = 0; i < 12; i++) {
      const placed = await createJob((i % 2 ? n1 : n0)!.url, owner.accessToken, CITIES[i % CITIES.length]);
      answers.push({ status: placed.status, code: placed.body.code });
    }
    const created = answers.filter((a) => a.status === 201).length;
    assert.ok(created <= 10, `at most the bucket's burst of 10 placed: ${JSON.stringify(answers)}`);
    assert.ok(answers.slice(created).every((a) => a.code === 'RATE_LIMITED'), JSON.stringify(answers));
    // A job placed nowhere spends nothing: the owner's own location stands for it.
    assert.equal((await createJob(n0!.url, owner.accessToken)).status, 201);
  });
});
