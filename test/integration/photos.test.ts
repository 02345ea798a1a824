import assert from 'node:assert/strict';
import { destinationPoint } from '../../domain/geo';
import type { CardView } from '../../contracts/cards';
import type { ThreadSummary } from '../../db/repositories/threadRepository';
import { command, connectDevice, requestJson } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { deckOf, personAt } from '../support/discovery';
import { codeOf, joinThread, matchPeople, replyOf } from '../support/matches';
import type { SendResult } from '../../contracts/chat';

const HERE = { lat: 52.52, lng: 13.405 };
const photo = (i: number) => ({ url: `https://cdn.example.com/p/${i}.jpg`, width: 1080, height: 1350, ...(i === 0 ? { blurhash: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj' } : {}) });

describe('card photos, on two nodes', function () {
  // The app's storage serves from cdn.example.com: photos and media anywhere else are refused.
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', MEDIA_HOSTS: 'cdn.example.com' });

  it('keeps an ordered list of up to six photo references, refuses bad ones and changes nothing', async () => {
    const [n0, n1] = suite.nodes;
    const a = await personAt(n0.url, HERE, 'A');
    const patch = (body: unknown) => requestJson<CardView & { code?: string }>(n0.url, 'PATCH', `/cards/${a.card.id}`, { token: a.accessToken, body });
    const six = [0, 1, 2, 3, 4, 5].map(photo);
    const stored = await patch({ photos: [...six].reverse() });
    assert.equal(stored.status, 200, JSON.stringify(stored.body));
    assert.deepEqual(stored.body.photos, [...six].reverse(), 'kept in the order given');
    const refused: Array<[string, unknown]> = [
      ['seven photos', [...six, photo(6)]],
      ['plain http', [{ ...photo(1), url: 'http://cdn.example.com/p.jpg' }]],
      ['a script url', [{ ...photo(1), url: 'javascript:alert(1)' }]],
      ['no host name', [{ ...photo(1), url: 'https://127.0.0.1/p.jpg' }]],
      ['zero width', [{ ...photo(1), width: 0 }]],
      ['fractional height', [{ ...photo(1), height: 10.5 }]],
      ['a bad blurhash', [{ ...photo(1), blurhash: 'not a blurhash' }]],
      ['an unknown field', [{ ...photo(1), caption: 'me' }]],
      ['not a list', photo(1)],
    ];
    for (const [what, photos] of refused) {
      const answer = await patch({ photos });
      assert.equal(answer.status, 400, what);
      assert.equal(answer.body.code, 'INVALID_BODY', what);
    }
    const created = await requestJson<{ code: string }>(n1.url, 'POST', '/cards', {
      token: a.accessToken,
      body: { kind: 'person', title: 'again', birthYear: 1990, photos: [...six, photo(6)] },
    });
    assert.equal(created.body.code, 'INVALID_BODY');
    const now = await requestJson<CardView>(n1.url, 'GET', `/cards/${a.card.id}`, { token: a.accessToken });
    assert.deepEqual(now.body.photos, [...six].reverse(), 'a refused change leaves the photos as they were');
    assert.equal((await patch({ photos: [] })).body.photos.length, 0);
  });

  it('takes photos and media messages only from the media hosts: a URL elsewhere would tell its owner who looks, from where', async () => {
    const [n0, n1] = suite.nodes;
    const [a, b] = await Promise.all([personAt(n0.url, HERE, 'A'), personAt(n1.url, destinationPoint(HERE, 0.5, 90), 'B')]);
    const patch = (body: unknown) => requestJson<CardView & { code?: string; message?: string }>(n1.url, 'PATCH', `/cards/${a.card.id}`, { token: a.accessToken, body });
    const below = { ...photo(1), url: 'https://eu.cdn.example.com/p/1.jpg' };
    assert.equal((await patch({ photos: [photo(0), below] })).status, 200, 'the host and a host below it');
    for (const url of ['https://tracker.example/pixel.gif?who=A', 'https://cdn.example.com.tracker.example/p.jpg', 'https://notcdn.example.com/p.jpg']) {
      const answer = await patch({ photos: [photo(0), { ...photo(1), url }] });
      assert.deepEqual([answer.status, answer.body.code, answer.body.message], [400, 'INVALID_BODY', "photos.1.url: not on the app's media hosts"], url);
      const created = await requestJson<{ code: string }>(n0.url, 'POST', '/cards', { token: b.accessToken, body: { kind: 'person', title: 'again', photos: [{ ...photo(0), url }] } });
      assert.equal(created.body.code, 'INVALID_BODY', url);
    }
    const now = await requestJson<CardView>(n0.url, 'GET', `/cards/${a.card.id}`, { token: a.accessToken });
    assert.deepEqual(now.body.photos, [photo(0), below], 'a refused change leaves the photos as they were');

    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    const thread = await joinThread(n0.url, a, matchId);
    suite.open.push(thread);
    const refused = await command(thread.room, 'send', { clientMessageId: 'm-1', kind: 'media', mediaUrl: 'https://tracker.example/pixel.gif?who=B' });
    assert.equal(codeOf(refused), 'INVALID_MESSAGE');
    const sent = replyOf<SendResult>(await command(thread.room, 'send', { clientMessageId: 'm-2', kind: 'media', mediaUrl: 'https://cdn.example.com/m/2.jpg' }));
    const stored = await suite.cluster.pool.query<{ media_url: string }>('select media_url from messages where match_id = $1 order by seq', [matchId]);
    assert.deepEqual(stored.rows.map((r) => r.media_url), ['https://cdn.example.com/m/2.jpg']);
    assert.equal(sent.seq, 1);
  });

  it('decks and matches carry the photos', async () => {
    const [n0, n1] = suite.nodes;
    const [a, b] = await Promise.all([personAt(n0.url, HERE, 'A'), personAt(n1.url, destinationPoint(HERE, 0.5, 90), 'B')]);
    await requestJson(n1.url, 'PATCH', `/cards/${b.card.id}`, { token: b.accessToken, body: { photos: [photo(0), photo(1)] } });
    const phone = await connectDevice(n0.url, a, 'phone');
    suite.open.push(phone);
    const deck = await deckOf(phone, a.card.id);
    const shown = deck.cards.find((c) => c.card.id === b.card.id);
    assert.deepEqual(shown?.card.photos, [photo(0), photo(1)]);
    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    const threads = await requestJson<{ threads: ThreadSummary[] }>(n1.url, 'GET', '/me/threads', { token: a.accessToken });
    const thread = threads.body.threads.find((t) => t.matchId === matchId);
    assert.deepEqual(thread?.counterpart, { userId: b.userId, cardId: b.card.id, name: 'B', photos: [photo(0), photo(1)], hidden: false, deleted: false });
  });
});
