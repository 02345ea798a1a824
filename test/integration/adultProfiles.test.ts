import assert from 'node:assert/strict';
import type { CardView } from '../../contracts/cards';
import { registerUser, requestJson } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';

// Decks show a person card to every searcher who set no age range (the default): a child's profile must never be stored.
for (const backend of BACKENDS) describe(`person cards are adults' profiles, on ${backend.name}`, function () {
  const suite = useSingleNode(backend);

  it('refuses a person card whose owner is under 18 this year or not born yet, created or changed, and stores nothing', async () => {
    const url = suite.node.url;
    const year = new Date().getUTCFullYear();
    const user = await registerUser(url);
    const create = (birthYear: number) => requestJson<CardView & { code?: string; message?: string }>(url, 'POST', '/cards', {
      token: user.accessToken,
      body: { kind: 'person', title: 'me', birthYear },
    });
    for (const birthYear of [year - 17, year - 10, year, year + 1]) {
      const refused = await create(birthYear);
      assert.deepEqual([refused.status, refused.body.code], [400, 'INVALID_BODY'], `born ${birthYear}`);
      assert.match(refused.body.message ?? '', /^birthYear:/);
    }
    assert.deepEqual((await requestJson<{ cards: CardView[] }>(url, 'GET', '/me/cards', { token: user.accessToken })).body.cards, []);

    // Eighteen this year is an adult's profile.
    const created = await create(year - 18);
    assert.equal(created.status, 201, JSON.stringify(created.body));

    // Changing it to a child's birth year, one in the future or none is refused the same way, and changes nothing.
    for (const birthYear of [year - 17, year + 1, null]) {
      const refused = await requestJson<{ code: string }>(url, 'PATCH', `/cards/${created.body.id}`, { token: user.accessToken, body: { birthYear, title: 'changed' } });
      assert.deepEqual([refused.status, refused.body.code], [400, 'INVALID_BODY'], `born ${birthYear}`);
    }
    const card = await requestJson<CardView>(url, 'GET', `/cards/${created.body.id}`, { token: user.accessToken });
    assert.deepEqual([card.body.birthYear, card.body.title], [year - 18, 'me']);
    const older = await requestJson<CardView>(url, 'PATCH', `/cards/${created.body.id}`, { token: user.accessToken, body: { birthYear: year - 30 } });
    assert.deepEqual([older.status, older.body.birthYear], [200, year - 30]);
  });
});
