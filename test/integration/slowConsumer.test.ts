import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { RawRoomClient, reserveSeat } from '../../loadtest/client/rawRoomClient';
import { CHAT_ROOM, ChatEventType, type ChatMessage } from '../../contracts/chat';
import { MAX_TEXT_CHARS } from '../../domain/chatRules';
import { command, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { UNLIMITED_RATES } from '../support/limits';
import { HARNESS_DEFAULTS } from '../../loadtest/harness/secrets';
import { joinThread, matchedPair, replyOf } from '../support/matches';

/**
 * More than the kernel's socket buffers on both ends and the node's own buffer for one
 * connection together (about 5 MB reached a reader that had stopped, on these machines).
 */
const FLOOD_BYTES = 24 * 1024 * 1024;

describe('a thread member whose connection stops reading', function () {
  // The member reads back thousands of messages in pages, past the `thread` bucket a person has.
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ...UNLIMITED_RATES, RATE_LIMITS: `${HARNESS_DEFAULTS['RATE_LIMITS']},thread=100000:100000` });

  it('is disconnected once the node holds too much for it, never left with a gap in what it was sent', async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    const slow = await RawRoomClient.connect(n0.url, await reserveSeat(n0.url, CHAT_ROOM, { matchId }, a.accessToken));
    const seqs: number[] = [];
    let closedWith: number | undefined;
    slow.onMessage = (type, message) => {
      if (type === ChatEventType.MESSAGE) seqs.push((message as ChatMessage).seq);
    };
    slow.onClose = (code) => (closedWith = code);
    slow.pause();

    const sender = await joinThread(n1.url, b, matchId);
    suite.open.push(sender);
    const body = 'x'.repeat(MAX_TEXT_CHARS);
    const count = Math.ceil(FLOOD_BYTES / MAX_TEXT_CHARS);
    let lastSeq = 0;
    for (let sent = 0; sent < count; sent += 100) {
      const replies = await Promise.all(Array.from({ length: 100 }, () => command(sender.room, 'send', { clientMessageId: randomUUID(), kind: 'text', body })));
      for (const reply of replies) lastSeq = Math.max(lastSeq, (replyOf(reply) as { seq: number }).seq);
    }

    slow.resume();
    // One more once it reads again: it arrives on a connection left open, whatever was dropped before it.
    lastSeq = (replyOf(await command(sender.room, 'send', { clientMessageId: randomUUID(), kind: 'text', body: 'are you there?' })) as { seq: number }).seq;
    await waitUntil(() => closedWith !== undefined || seqs.at(-1) === lastSeq, 60_000, () => `the slow member's last message or its close (${seqs.length} read)`);
    const gaps = seqs.filter((seq, i) => i > 0 && seq !== seqs[i - 1]! + 1).length;
    assert.equal(gaps, 0, `the slow member was sent ${seqs.length} of ${lastSeq} messages, with ${gaps} gaps, on one connection`);
    assert.notEqual(closedWith, undefined, 'the node held everything the slow member was owed: nothing bounds what one reader costs it');
    // Its client joins again and reads the rest, as after any dropped connection.
    const again = await joinThread(n0.url, a, matchId);
    suite.open.push(again);
    const rest: number[] = [];
    for (let page = { messages: [] as ChatMessage[], hasMore: true }; page.hasMore; ) {
      page = replyOf(await command(again.room, 'sync', { afterSeq: rest.at(-1) ?? seqs.at(-1) ?? 0 })) as typeof page;
      rest.push(...page.messages.map((m) => m.seq));
    }
    assert.deepEqual([...seqs, ...rest], Array.from({ length: lastSeq }, (_, i) => i + 1), 'what it read live and then in pages, in order');
  });
});
