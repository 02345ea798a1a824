import assert from 'node:assert/strict';
import type { CardView } from '../../contracts/cards';
import { MAX_ACTIVE_JOB_CARDS } from '../../domain/cardRules';
import { HARNESS_DEFAULTS } from '../../loadtest/harness/secrets';
import { registerUser, requestJson, type HttpResult } from '../support/accounts';
import { useTestCluster } from '../support/cluster';

type Answer = CardView & { code?: string; message?: string };

describe('how many cards an account holds, on two nodes', function () {
  // Every test here sends far more calls than the request bucket holds, on purpose.
  const suite = useTestCluster(2, { RATE_LIMITS: `${HARNESS_DEFAULTS['RATE_LIMITS']},request=100000:100000` });

  const post = (i: number, token: string, body: Record<string, unknown>) =>
    requestJson<Answer>(suite.nodes[i % 2]!.url, 'POST', '/cards', { token, body });
  const statusesOf = (answers: ReadonlyArray<HttpResult<Answer>>) => {
    const counts = new Map<string, number>();
    for (const { status, body } of answers) counts.set(`${status} ${body.code ?? ''}`.trim(), (counts.get(`${status} ${body.code ?? ''}`.trim()) ?? 0) + 1);
    return Object.fromEntries([...counts].sort());
  };
  const activeCards = async (ownerId: string, kind: 'person' | 'job') => {
    const { rows } = await suite.cluster.pool.query<{ n: string }>(
      'select count(*) as n from cards where owner_id = $1 and kind = $2 and active',
      [ownerId, kind],
    );
    return Number(rows[0]!.n);
  };

  describe('concurrent creations', () => {
    it('leaves one active profile however many creations of it race, on both nodes', async () => {
      const user = await registerUser(suite.nodes[0].url);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => post(i, user.accessToken, { kind: 'person', title: `me ${i}`, birthYear: 1990 })),
      );
      assert.deepEqual(statusesOf(answers), { '201': 1, '409 PERSON_CARD_EXISTS': 19 });
      assert.equal(await activeCards(user.userId, 'person'), 1);
    });

    it(`never lets a recruiter pass ${MAX_ACTIVE_JOB_CARDS} active jobs, however their creations race`, async () => {
      const recruiter = await registerUser(suite.nodes[0].url, undefined, 'recruiter');
      const answers = await Promise.all(
        Array.from({ length: MAX_ACTIVE_JOB_CARDS + 20 }, (_, i) => post(i, recruiter.accessToken, { kind: 'job', title: `job ${i}` })),
      );
      assert.deepEqual(statusesOf(answers), { '201': MAX_ACTIVE_JOB_CARDS, '409 CARD_LIMIT_REACHED': 20 });
      assert.equal(await activeCards(recruiter.userId, 'job'), MAX_ACTIVE_JOB_CARDS);
    });
  });
});
