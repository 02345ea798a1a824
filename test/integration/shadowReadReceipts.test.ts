import assert from 'node:assert/strict';
import { UserEventType } from '../../domain/userEvents';
import { ChatEventType, type ChatMessage, type ReadMarker, type SendResult } from '../../contracts/chat';
import { command, eventsOf, requestJson, waitForEvents, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { joinThread, matchPeople, messagesOfType, registerPerson, replyOf } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

/**
 * A shadow-banned sender must not learn of the ban from read receipts: a message
 * of anyone's is read as it arrives by a member who has the thread open (the web
 * app marks it read), so the sender's own message seems read by them too.
 */
describe('shadow-ban: read receipts, with real clients on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });

  it('a member with the thread open seems to read a hidden message at once, to its sender alone; one away does not; no marker is stored', async () => {
    const [n0, n1] = suite.nodes;
    const [shadow, other] = await Promise.all([registerPerson(n0.url, 'S'), registerPerson(n1.url, 'O')]);
    const matchId = await matchPeople(shadow, other, [n0.url, n1.url]);
    const otherPhone = await suite.device(n1.url, other, 'phone');
    const otherThread = await joinThread(n1.url, other, matchId);
    const [shadowThread, shadowTablet] = [await joinThread(n0.url, shadow, matchId), await joinThread(n1.url, shadow, matchId)];
    suite.open.push(otherThread, shadowThread, shadowTablet);
    const storedMarker = async () =>
      (await suite.cluster.pool.query('select last_read_seq::int as seq from read_markers where match_id = $1 and user_id = $2', [matchId, other.userId])).rows[0]?.seq ?? null;
    const markerBefore = await storedMarker();

    assert.equal((await requestJson(n1.url, 'POST', `/admin/users/${shadow.userId}`, { token: ADMIN_KEY, body: { shadowBanned: true } })).status, 200);
    // The shadow-ban reached the other's session (it heard them go offline), as it reached the thread.
    await waitForEvents(otherPhone, () => eventsOf(otherPhone).some((e) => e.type === UserEventType.PRESENCE_CHANGED && e.data['userId'] === shadow.userId && e.data['presence'] === 'offline'));

    const seen = replyOf<SendResult>(await command(shadowThread.room, 'send', { clientMessageId: 'hidden-1', kind: 'text', body: 'can you see me?' }));
    const hidden = await suite.cluster.pool.query('select hidden from messages where match_id = $1 and seq = $2', [matchId, seen.seq]);
    assert.equal(hidden.rows[0].hidden, true, 'the message was stored hidden');
    // Every connection of the sender, the one that sent it too, hears the other read it.
    for (const connection of [shadowThread, shadowTablet]) {
      await waitUntil(() => messagesOfType<ReadMarker>(connection, ChatEventType.READ).some((r) => r.userId === other.userId && r.lastReadSeq === seen.seq));
    }
    assert.deepEqual(messagesOfType<ChatMessage>(otherThread, ChatEventType.MESSAGE), [], 'the other never gets it');
    assert.deepEqual(messagesOfType(otherThread, ChatEventType.READ), [], 'nor a read marker of their own they did not set');
    assert.equal(await storedMarker(), markerBefore, 'the other’s stored marker is unchanged');

    // The other leaves the thread: the next hidden message is read by nobody. What the thread sends
    // while storing it comes before the answer to its send, on the connection that sent it.
    // Leaving while typing: the sender hears the typing stop once the thread let the connection go.
    replyOf(await command(otherThread.room, 'typing', { active: true }));
    await otherThread.room.leave();
    await waitUntil(() => messagesOfType<{ userId: string; active: boolean }>(shadowThread, ChatEventType.TYPING).some((t) => t.userId === other.userId && !t.active));
    const unseen = replyOf<SendResult>(await command(shadowThread.room, 'send', { clientMessageId: 'hidden-2', kind: 'text', body: 'still there?' }));
    await waitUntil(() => messagesOfType<ChatMessage>(shadowTablet, ChatEventType.MESSAGE).some((m) => m.seq === unseen.seq));
    replyOf(await command(shadowTablet.room, 'typing', { active: true }));
    for (const connection of [shadowThread, shadowTablet]) {
      assert.deepEqual(messagesOfType<ReadMarker>(connection, ChatEventType.READ).map((r) => [r.userId, r.lastReadSeq]), [[other.userId, seen.seq]]);
    }
    assert.equal(await storedMarker(), markerBefore);
  });
});
