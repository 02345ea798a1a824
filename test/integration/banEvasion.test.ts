import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { latLngToCell } from 'h3-js';
import type { TokenPair } from '../../contracts/auth';
import type { AuditEntry } from '../../contracts/moderation';
import { eraseAccount } from '../../db/repositories/accountErasureRepository';
import { UserEventType } from '../../domain/userEvents';
import { command, postJson, requestJson, TEST_PASSWORD, uniqueEmail, waitForEvents, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { useClusterDatabase } from '../support/clusterDatabase';
import { crowdAt, deckIds, deckOf, personAt, watchLobby } from '../support/discovery';
import { replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';
import { harnessEmailKeys } from '../support/emailKeys';

/** Mandya: a place nobody else in this suite is. */
const HERE = { lat: 12.5218, lng: 76.8951 };
const CELL = latLngToCell(HERE.lat, HERE.lng, 7);

const register = (url: string, email: string) => postJson<TokenPair & { code?: string; message?: string }>(url, '/auth/register', { email, password: TEST_PASSWORD });

describe('ban evasion: an erased account’s sanction outlives it, on a node', function () {
  const suite = useTestCluster(1, { ADMIN_API_KEY: ADMIN_KEY });
  const database = useClusterDatabase(suite);
  const url = () => suite.nodes[0].url;
  const admin = (userId: string, body: Record<string, unknown>) => requestJson(url(), 'POST', `/admin/users/${userId}`, { token: ADMIN_KEY, body });
  const erase = (person: TokenPair) => requestJson(url(), 'DELETE', '/me', { token: person.accessToken, body: { password: TEST_PASSWORD } });
  const sanctionRows = async () => (await suite.cluster.pool.query('select t::text as row from sanctioned_emails t')).rows.map((r: { row: string }) => r.row);

  it('a banned account, erased, cannot register its email again, in any case or spacing, until a moderator lifts the ban', async () => {
    const email = uniqueEmail('banned');
    const banned = await personAt(url(), HERE, 'B', { email });
    assert.equal((await admin(banned.userId, { banned: true })).status, 200);
    // Its tokens went with the ban: erased as the route erases an account whose deletion was on its way when the ban landed.
    assert.ok(await eraseAccount(database.db, banned.userId, new Date(), harnessEmailKeys));

    // Refused exactly as an address in use is, so the answer tells nobody that the address was banned.
    const taken = await register(url(), (await personAt(url(), HERE, 'T')).email);
    for (const again of [email, email.toUpperCase(), `  ${email.replace('banned', 'BaNnEd')}  `]) {
      const answer = await register(url(), again);
      assert.deepEqual([answer.status, answer.body], [taken.status, taken.body], again);
    }
    assert.deepEqual(taken.body.code, 'EMAIL_TAKEN');
    assert.equal((await suite.cluster.pool.query('select 1 from users where email = $1', [email])).rowCount, 0, 'no account was made');

    // The table holds a keyed hash, never the address (nor its plain SHA-256).
    const rows = await sanctionRows();
    assert.ok(rows.length > 0);
    const plainHash = createHash('sha256').update(email).digest('hex');
    for (const needle of [email, email.split('@')[0]!, plainHash]) assert.ok(rows.every((row) => !row.toLowerCase().includes(needle.toLowerCase())), needle);

    // Lifted on the erased account's id: the address registers again, a clean account.
    assert.equal((await admin(banned.userId, { banned: false })).status, 200);
    const back = await register(url(), email);
    assert.equal(back.status, 201, JSON.stringify(back.body));
  });

  it('a shadow-banned account, erased and registered again, is shadow-banned: unseen in others’ decks, cards and lobby, answered as anyone', async () => {
    const email = uniqueEmail('shadow');
    const before = await personAt(url(), HERE, 'S', { email });
    assert.equal((await admin(before.userId, { shadowBanned: true })).status, 200);
    assert.equal((await erase(before)).status, 200);

    const [neighbour, control] = [await personAt(url(), HERE, 'N'), await personAt(url(), HERE, 'C')];
    const returned = await personAt(url(), HERE, 'S again', { email: ` ${email.toUpperCase()} ` });
    assert.deepEqual(Object.keys(returned).filter((k) => k !== 'card' && k !== 'email').sort(), ['accessToken', 'expiresIn', 'refreshToken', 'userId']);
    await expectHidden(returned, neighbour, control);
    // Moderators see why: the audit log names the erased account whose sanction it carries.
    const audit = await requestJson<{ entries: AuditEntry[] }>(url(), 'GET', `/admin/audit?targetId=${returned.userId}`, { token: ADMIN_KEY });
    assert.deepEqual(audit.body.entries.map((e) => [e.action, e.detail]), [['user.shadow_ban_carried', { erasedUserId: before.userId }]]);
  });

  it('a normal account, erased, registers its email again as anyone, seen by others', async () => {
    const email = uniqueEmail('leaver');
    const before = await personAt(url(), HERE, 'L', { email });
    assert.equal((await erase(before)).status, 200);
    const returned = await personAt(url(), HERE, 'L again', { email });
    const neighbour = await personAt(url(), HERE, 'N2');
    const phone = await suite.device(url(), neighbour, 'phone');
    assert.ok(deckIds(await deckOf(phone, neighbour.card.id)).has(returned.card.id));
    assert.equal((await requestJson(url(), 'GET', `/cards/${returned.card.id}`, { token: neighbour.accessToken })).status, 200);
  });

  /** Others do not see `hidden` (its deck, its card, the lobby's figure); they see `control`, placed alike; `hidden` sees them. */
  async function expectHidden(hidden: Person, other: Person, control: Person) {
    const otherPhone = await suite.device(url(), other, 'phone');
    const deck = deckIds(await deckOf(otherPhone, other.card.id));
    assert.deepEqual([deck.has(control.card.id), deck.has(hidden.card.id)], [true, false]);
    const card = await requestJson<{ code: string }>(url(), 'GET', `/cards/${hidden.card.id}`, { token: other.accessToken });
    assert.deepEqual([card.status, card.body.code], [404, 'CARD_NOT_FOUND']);
    // They notice nothing: their own card and deck work.
    assert.equal((await requestJson(url(), 'GET', `/cards/${hidden.card.id}`, { token: hidden.accessToken })).status, 200);
    const hiddenPhone = await suite.device(url(), hidden, 'phone');
    assert.ok(deckIds(await deckOf(hiddenPhone, hidden.card.id)).has(other.card.id));

    // The lobby: three more people online; with the control, `hidden` sees five others, while `other` would see five
    // with `hidden` counted, and sees "a few" (0) without.
    suite.open.push(...(await crowdAt(url(), HERE, 3)));
    const controlPhone = await suite.device(url(), control, 'phone');
    for (const phone of [hiddenPhone, otherPhone, controlPhone]) {
      await waitForEvents(phone, (events) => events.some((e) => e.type === UserEventType.LOBBY_CHANGED && e.data['cell'] === CELL));
    }
    const [hiddenWatch, otherWatch] = [await watchLobby(url(), hidden, CELL), await watchLobby(url(), other, CELL)];
    suite.open.push(hiddenWatch, otherWatch);
    await waitUntil(() => hiddenWatch.counts().at(-1) === 5, 10_000, () => `five for the hidden one: ${hiddenWatch.counts()}`);
    assert.deepEqual(replyOf(await command(otherWatch.room, 'nearby')), { cell: CELL, count: 0 });
  }
});
