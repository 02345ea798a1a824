import assert from 'node:assert/strict';
import type { ChatMessage, MessagePage, ThreadReadyMessage } from '../../contracts/chat';
import type { ActorConnection } from '../../client/actorConnection';
import { KismetError } from '../../client/errors';
import { KismetThread } from '../../client/thread';

type Listener = Parameters<ActorConnection<ThreadReadyMessage>['listen']>[0];

/** A thread's connection as KismetThread uses it: its ready message, its listener, and `sync` answered by `answer`. */
function standInConnection(answer: (afterSeq: number, call: number) => Promise<MessagePage>) {
  let listener: Listener | undefined;
  const asked: number[] = [];
  const connection = {
    ready: { lastSeq: 0 } as ThreadReadyMessage,
    listen: (l: Listener) => {
      listener = l;
    },
    request: (type: string, payload: { afterSeq: number }) => {
      assert.equal(type, 'sync');
      asked.push(payload.afterSeq);
      return answer(payload.afterSeq, asked.length);
    },
  } as unknown as ActorConnection<ThreadReadyMessage>;
  return { connection, asked, rejoin: (lastSeq: number) => listener!.ready!({ lastSeq } as ThreadReadyMessage, true) };
}

const message = (seq: number) => ({ seq, kind: 'text', body: `m${seq}` }) as unknown as ChatMessage;

describe('a thread catching up after a rejoin', () => {
  it('asks again for a page refused for now, after the wait it names, and misses nothing', async () => {
    const { connection, asked, rejoin } = standInConnection(async (afterSeq, call) => {
      if (call === 1) throw new KismetError('RATE_LIMITED', 'too many', 5);
      return { messages: [1, 2, 3].filter((seq) => seq > afterSeq).map(message), hasMore: false } as unknown as MessagePage;
    });
    const thread = new KismetThread(connection);
    const got: number[] = [];
    const all = new Promise<void>((resolve) => thread.on('message', (m) => got.push(m.seq) === 3 && resolve()));
    rejoin(3);
    await all;
    assert.deepEqual(got, [1, 2, 3]);
    assert.deepEqual(asked, [0, 0]);
  });

  it('leaves what it could not read to the next rejoin, which reads it from there', async () => {
    const { connection, asked, rejoin } = standInConnection(async (afterSeq, call) => {
      if (call === 1) throw new KismetError('INTERNAL', 'a fault, not refused for now');
      return { messages: [1, 2, 3, 4, 5].filter((seq) => seq > afterSeq).map(message), hasMore: false } as unknown as MessagePage;
    });
    const thread = new KismetThread(connection);
    const got: number[] = [];
    thread.on('message', (m) => got.push(m.seq));
    rejoin(3);
    while (asked.length < 1) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(got, [], 'nothing read yet');
    const all = new Promise<void>((resolve) => thread.on('message', () => got.length === 5 && resolve()));
    rejoin(5);
    await all;
    assert.deepEqual(got, [1, 2, 3, 4, 5]);
    assert.deepEqual(asked, [0, 0], 'the second rejoin reads from where the first could not');
  });

});
