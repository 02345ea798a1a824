import assert from 'node:assert/strict';
import { CARD_PAGE_DEFAULT, CARD_PAGE_MAX, type CardPage, type CardView } from '../../contracts/cards';
import { MAX_ACTIVE_JOB_CARDS, MAX_NEW_CARDS } from '../../domain/cardRules';
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

  describe('deactivated cards', () => {
    it(`count toward ${MAX_NEW_CARDS} cards an account creates in 30 days, and GET /me/cards answers them a bounded page at a time, every one once`, async () => {
      const [n0, n1] = suite.nodes;
      const recruiter = await registerUser(n0.url, undefined, 'recruiter');
      const token = recruiter.accessToken;
      // Posted and taken down, a board's worth at a time: every one stays stored, deactivated.
      for (let made = 0; made < MAX_NEW_CARDS; made += MAX_ACTIVE_JOB_CARDS) {
        const posted = await Promise.all(Array.from({ length: MAX_ACTIVE_JOB_CARDS }, (_, i) => post(i, token, { kind: 'job', title: `job ${made + i}` })));
        assert.deepEqual(statusesOf(posted), { '201': MAX_ACTIVE_JOB_CARDS });
        const taken = await Promise.all(posted.map(({ body }, i) => requestJson<Answer>(suite.nodes[i % 2]!.url, 'DELETE', `/cards/${body.id}`, { token })));
        assert.ok(taken.every(({ status, body }) => status === 200 && !body.active));
      }
      assert.equal(await activeCards(recruiter.userId, 'job'), 0);
      for (const [node, body] of [[n0, { kind: 'job', title: 'one more' }], [n1, { kind: 'person', title: 'me', birthYear: 1990 }]] as const) {
        const refused = await requestJson<Answer>(node.url, 'POST', '/cards', { token, body });
        assert.deepEqual([refused.status, refused.body.code], [409, 'CARD_LIMIT_REACHED'], body.kind);
        assert.match(refused.body.message ?? '', /deactivated ones included/);
      }

      const { rows } = await suite.cluster.pool.query<{ id: string }>('select id from cards where owner_id = $1 order by created_at, id', [recruiter.userId]);
      assert.equal(rows.length, MAX_NEW_CARDS, 'nothing more stored');
      const pageOf = (query: string, node = n0) => requestJson<CardPage & { code?: string }>(node.url, 'GET', `/me/cards${query}`, { token });
      const first = await pageOf('');
      assert.equal(first.body.cards.length, CARD_PAGE_DEFAULT);
      // Pages of 64 (not a divisor of the 200), from either node: each bounded, together every card once, oldest first.
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const page: HttpResult<CardPage> = await pageOf(`?limit=64${after ? `&after=${after}` : ''}`, seen.length % 128 === 0 ? n0 : n1);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.ok(page.body.cards.length <= 64 && page.body.cards.length > 0, `a page of ${page.body.cards.length}`);
        seen.push(...page.body.cards.map((c) => c.id));
        after = page.body.after;
      } while (after !== null);
      assert.deepEqual(seen, rows.map((r) => r.id));

      const stranger = await registerUser(n0.url);
      const theirs = await post(0, stranger.accessToken, { kind: 'person', title: 'theirs', birthYear: 1990 });
      for (const query of [`?limit=${CARD_PAGE_MAX + 1}`, '?limit=0', '?after=not-a-card', `?after=${theirs.body.id}`, '?limit=5&limit=6', '?offset=5']) {
        const refused = await pageOf(query);
        assert.deepEqual([refused.status, refused.body.code], [400, 'INVALID_BODY'], query);
      }
      const whole = await pageOf(`?limit=${CARD_PAGE_MAX}&after=${rows[MAX_NEW_CARDS - CARD_PAGE_MAX - 1]!.id}`);
      assert.deepEqual([whole.body.cards.length, whole.body.after], [CARD_PAGE_MAX, null], 'a last page that is full says so');
    });
  });
});
