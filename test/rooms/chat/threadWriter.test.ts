import assert from 'node:assert/strict';
import type { NewMessage, ThreadMessage } from '../../../db/repositories/messageRepository';
import type { StoreOutcome } from '../../../db/repositories/messageBatchRepository';
import { AppError } from '../../../domain/errors';
import type { ChatStore } from '../../../rooms/chat/chatStore';
import { ThreadWriter, type SendOutcome, type ThreadWriterHost } from '../../../rooms/chat/threadWriter';

const text = (clientMessageId: string, senderId = 'ada'): NewMessage => ({ senderId, clientMessageId, kind: 'text', body: clientMessageId, mediaUrl: null, hidden: false });

/** A store that keeps messages in memory and lets a test hold a write or choose its outcome. */
class FakeThread {
  lastSeq = 0;
  readonly stored: ThreadMessage[] = [];
  readonly batches: number[][] = [];
  next: Array<StoreOutcome['kind'] | 'error' | 'committed, then error'> = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  readonly signals: string[] = [];
  lookupFails = false;
  /** The colleagues a forced `departed` outcome says storage no longer holds. */
  departed: string[] = [];

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  store(): ChatStore {
    return {
      store: async (input) => {
        await this.gate;
        const forced = this.next.shift();
        if (forced === 'error') throw new Error('database went away');
        if (forced === 'committed, then error') {
          // The commit landed, and the connection dropped before its answer came back.
          this.stored.push(...input.messages.map((m, i) => ({ ...m, seq: input.expectedLastSeq + i + 1, at: 2000 + i, deleted: false })));
          throw new Error('database went away');
        }
        if (forced === 'closed') return { kind: 'closed', status: 'blocked', blockerIds: ['blocker'] };
        if (forced === 'moved') return { kind: 'moved', lastSeq: input.expectedLastSeq + 5 };
        if (forced === 'departed') return { kind: 'departed', senders: this.departed.filter((u) => input.messages.some((m) => m.senderId === u)), departed: this.departed };
        const clash = input.messages.some((m) => this.stored.some((s) => s.senderId === m.senderId && s.clientMessageId === m.clientMessageId));
        if (clash || forced === 'duplicate') return { kind: 'duplicate' };
        assert.equal(input.expectedLastSeq, this.lastSeq);
        const messages = input.messages.map((m, i) => ({ ...m, seq: this.lastSeq + i + 1, at: 1000 + this.lastSeq + i, deleted: false }));
        this.stored.push(...messages);
        this.batches.push(messages.map((m) => m.seq));
        return { kind: 'stored', messages, events: [], departed: [] };
      },
      lookup: async (_matchId, keys) => {
        if (this.lookupFails) throw new Error('lookup failed');
        return this.stored.filter((s) => keys.some((k) => k.senderId === s.senderId && k.clientMessageId === s.clientMessageId));
      },
    };
  }

  host(): ThreadWriterHost {
    return {
      lastSeq: () => this.lastSeq,
      noticesFor: () => [],
      colleagues: () => ({ colleagueIds: () => [], depart: (userId) => this.signals.push(`departed:${userId}`) }),
      onStored: (messages) => (this.lastSeq = messages[messages.length - 1]!.seq),
      onClosed: (ended) => this.signals.push(`closed:${ended.status}:${ended.blockerIds.join()}`),
      resync: async () => {
        this.signals.push('resync');
        this.lastSeq = Math.max(this.lastSeq, ...this.stored.map((m) => m.seq)); // the reload's view of the thread
        return this.stored;
      },
      onConflict: (lastSeq) => this.signals.push(`moved:${lastSeq}`),
    };
  }
}

/** A writer of the fake thread, knowing the given client ids. */
const writerFor = (thread: FakeThread, recent: ConstructorParameters<typeof ThreadWriter>[3] = []) => new ThreadWriter('match', thread.store(), thread.host(), recent);

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : (error as Error).message;
  }
};

describe('ThreadWriter', () => {
  it('stores what arrives during a write as the next batch, in arrival order, without gaps', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    thread.hold();
    const first = writer.send(text('a'));
    const rest = ['b', 'c', 'd'].map((id) => writer.send(text(id, 'bob')));
    thread.release();
    const outcomes = await Promise.all([first, ...rest]);
    assert.deepEqual(outcomes.map((o) => o.seq), [1, 2, 3, 4]);
    assert.deepEqual(thread.batches, [[1], [2, 3, 4]]);
  });

  it('answers resends with the first sequence: from memory, within a batch, and from storage', async () => {
    const thread = new FakeThread();
    thread.stored.push({ ...text('old'), seq: 1, at: 500, deleted: false });
    thread.lastSeq = 1;
    const writer = writerFor(thread); // knows nothing: "old" is only in storage
    thread.hold();
    const inFlight = writer.send(text('x'));
    const twice = [writer.send(text('y')), writer.send(text('y')), writer.send(text('old')), writer.send(text('z'))];
    thread.release();
    await inFlight;
    const [y1, y2, old, z] = (await Promise.all(twice)) as [SendOutcome, SendOutcome, SendOutcome, SendOutcome];
    assert.deepEqual([y1.seq, y1.repeated, y2.seq, y2.repeated], [3, false, 3, true]);
    assert.deepEqual([old.seq, old.at, old.repeated], [1, 500, true]);
    assert.equal(z.seq, 4);
    assert.deepEqual((await writer.send(text('x'))), { seq: 2, at: 1001, repeated: true });
    assert.deepEqual(thread.stored.map((s) => s.clientMessageId), ['old', 'x', 'y', 'z']);
  });

  it('takes no sequence when a write fails, so the next message gets it', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    thread.next = ['error'];
    assert.equal(await codeOf(writer.send(text('lost'))), 'database went away');
    assert.equal((await writer.send(text('kept'))).seq, 1);
    // The failed message can be resent and is stored once.
    assert.deepEqual(await writer.send(text('lost')), { seq: 2, at: 1001, repeated: false });
  });

  it('refuses the batch, what waits and what follows once the match has ended', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    thread.next = ['closed'];
    thread.hold();
    const first = writer.send(text('a'));
    const waiting = writer.send(text('b'));
    thread.release();
    assert.deepEqual(await Promise.all([codeOf(first), codeOf(waiting), codeOf(writer.send(text('c')))]), ['THREAD_CLOSED', 'THREAD_CLOSED', 'THREAD_CLOSED']);
    assert.deepEqual([thread.signals, thread.stored.length], [['closed:blocked:blocker'], 0]);
    // A sender may be the person blocked: the refusal does not say why (the thread's close tells each member).
    assert.equal(await first.catch((error: Error) => error.message), 'this thread is closed');
  });

  it('refuses what colleagues taken out before the batch committed sent, and stores the rest without a gap', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    thread.hold();
    const first = writer.send(text('a0'));
    const batch = [writer.send(text('a1')), writer.send(text('c1', 'cleo')), writer.send(text('a2')), writer.send(text('c2', 'cleo'))];
    thread.next = ['stored', 'departed'];
    thread.departed = ['cleo', 'dan'];
    thread.release();
    assert.deepEqual(await Promise.all([first, ...batch].map(codeOf)), ['ok', 'ok', 'NOT_A_MEMBER', 'ok', 'NOT_A_MEMBER']);
    assert.deepEqual(thread.stored.map((m) => [m.seq, m.clientMessageId]), [[1, 'a0'], [2, 'a1'], [3, 'a2']]);
    assert.deepEqual(thread.signals, ['departed:cleo', 'departed:dan'], 'each colleague storage no longer holds is let go');
  });

  it('says when everything handed in is stored', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    await writer.idle(); // nothing handed in yet
    thread.hold();
    void writer.send(text('a'));
    void writer.send(text('b'));
    let idle = false;
    const waited = writer.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(idle, false);
    thread.release();
    await waited;
    assert.deepEqual(thread.stored.map((m) => m.seq), [1, 2]);
  });

  it('answers every sender when something unforeseen fails, and goes on', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    thread.next = ['duplicate'];
    thread.lookupFails = true;
    assert.equal(await codeOf(writer.send(text('a'))), 'lookup failed');
    assert.equal((await writer.send(text('b'))).seq, 1);
  });

  it('reloads from storage when another writer moved the sequence, and stores after it', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    // Another actor stored seq 1 with client id "x"; this one still thinks the thread is empty.
    thread.stored.push({ ...text('x'), seq: 1, at: 900, deleted: false });
    thread.next = ['moved'];
    const resend = writer.send(text('x'));
    const fresh = writer.send(text('y'));
    thread.lastSeq = 1; // what the reload finds
    assert.deepEqual(await resend, { seq: 1, at: 900, repeated: true });
    assert.equal((await fresh).seq, 2);
    assert.deepEqual(thread.signals, ['resync']);
  });

  it('gives up on its thread when the sequence keeps moving', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    thread.next = ['moved', 'moved', 'moved', 'moved'];
    assert.equal(await codeOf(writer.send(text('a'))), 'ACTOR_UNAVAILABLE');
    assert.equal(await codeOf(writer.send(text('b'))), 'ACTOR_UNAVAILABLE');
    assert.deepEqual(thread.signals, ['resync', 'resync', 'resync', 'moved:5']);
  });

  it('reloads from storage before its next write when one failed without an answer, so a resend is stored once', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    thread.next = ['committed, then error'];
    assert.equal(await codeOf(writer.send(text('m1'))), 'database went away');
    assert.deepEqual(thread.signals, []);
    // The client resends under the same id: the reload finds it stored, and it is answered as a repeat.
    assert.deepEqual(await writer.send(text('m1')), { seq: 1, at: 2000, repeated: true });
    assert.equal((await writer.send(text('m2'))).seq, 2);
    assert.deepEqual(thread.stored.map((m) => [m.seq, m.clientMessageId]), [[1, 'm1'], [2, 'm2']]);
    assert.deepEqual(thread.signals, ['resync']);
  });

  it('runs exclusive work between batches: after what came before it is stored, before what came after is numbered', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    const seen: string[] = [];
    thread.hold();
    const before = [writer.send(text('a')), writer.send(text('b'))];
    const task = writer.exclusive(async () => {
      seen.push(`task at ${thread.lastSeq}`);
      return 'taken';
    });
    const after = [writer.send(text('c')), writer.send(text('d'))];
    thread.release();
    const outcomes = await Promise.all([...before, task, ...after]);
    assert.deepEqual(outcomes.map((o) => (typeof o === 'string' ? o : o.seq)), [1, 2, 'taken', 3, 4]);
    assert.deepEqual(seen, ['task at 2'], 'the task saw both earlier messages stored and neither later one');
    assert.deepEqual(thread.batches, [[1], [2], [3, 4]], 'no batch spans the task');
  });

  it('refuses exclusive work once closed, and goes on after a task that failed', async () => {
    const thread = new FakeThread();
    const writer = writerFor(thread);
    assert.equal(await codeOf(writer.exclusive(async () => Promise.reject(new Error('task failed')))), 'task failed');
    assert.equal((await writer.send(text('a'))).seq, 1);
    writer.close(new AppError('THREAD_CLOSED', 'closed'));
    assert.equal(await codeOf(writer.exclusive(async () => 'never')), 'THREAD_CLOSED');
  });
});
