import assert from 'node:assert/strict';
import type { StoredUserEvent } from '../../../db/repositories/eventRepository';
import { AppError, ErrorCode } from '../../../domain/errors';
import { DeviceEventFeed, FEED_PAGE_SIZE } from '../../../rooms/session/deviceEventFeed';

const event = (seq: number): StoredUserEvent => ({ userId: 'u', seq, type: 'like.received', data: {}, at: seq });
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Storage with events 1..n; each read can be held back to let live events race it. */
class FakeStorage {
  readonly events: StoredUserEvent[] = [];
  reads = 0;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};

  store(seq: number): StoredUserEvent {
    const e = event(seq);
    this.events.push(e);
    return e;
  }
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open();
  }
  fetchAfter = async (afterSeq: number, limit: number) => {
    this.reads += 1;
    await this.gate;
    return this.events.filter((e) => e.seq > afterSeq).slice(0, limit);
  };
}

function feedOn(storage: FakeStorage) {
  const sent: number[] = [];
  const feed = new DeviceEventFeed({ fetchAfter: storage.fetchAfter }, (e) => sent.push(e.seq), (error) => {
    throw error;
  });
  return { feed, sent };
}

describe('DeviceEventFeed', () => {
  describe('a device starting behind', () => {
    it('gets the stored events after its start, in order, then live ones', async () => {
      const storage = new FakeStorage();
      for (let s = 1; s <= 5; s++) storage.store(s);
      const { feed, sent } = feedOn(storage);
      feed.start(2);
      await settle();
      feed.offer(storage.store(6));
      assert.deepEqual(sent, [3, 4, 5, 6]);
      assert.equal(feed.delivered, 6);
    });

    it('reads a long backlog page by page', async () => {
      const storage = new FakeStorage();
      for (let s = 1; s <= FEED_PAGE_SIZE * 2 + 3; s++) storage.store(s);
      const { feed, sent } = feedOn(storage);
      feed.start(0);
      for (let i = 0; i < 5; i++) await settle();
      assert.equal(sent.length, FEED_PAGE_SIZE * 2 + 3);
      assert.deepEqual(sent.slice(-2), [FEED_PAGE_SIZE * 2 + 2, FEED_PAGE_SIZE * 2 + 3]);
      assert.equal(storage.reads, 3);
    });
  });

  describe('a device that has everything stored', () => {
    it('starts without reading storage, and delivers what was offered meanwhile, in order', async () => {
      const storage = new FakeStorage();
      for (let s = 1; s <= 4; s++) storage.store(s);
      const { feed, sent } = feedOn(storage);
      // Stored after the join read the position (4): offered to the feed before it started.
      feed.offer(storage.store(6));
      feed.offer(storage.store(5));
      feed.start(4, 4);
      await settle();
      assert.deepEqual(sent, [5, 6]);
      assert.equal(storage.reads, 0);
    });

    it('goes to storage when what was offered skips ahead of the position', async () => {
      const storage = new FakeStorage();
      for (let s = 1; s <= 4; s++) storage.store(s);
      const { feed, sent } = feedOn(storage);
      storage.store(5); // its publish was lost
      feed.offer(storage.store(6));
      feed.start(4, 4);
      await settle();
      assert.deepEqual(sent, [5, 6]);
      assert.equal(storage.reads, 1);
    });
  });

  describe('live events racing the read of storage', () => {
    it('holds them, and sends each once after the backlog', async () => {
      const storage = new FakeStorage();
      storage.store(1);
      const { feed, sent } = feedOn(storage);
      feed.offer(storage.store(2)); // published before the device's start was even known
      storage.hold();
      feed.start(0);
      feed.offer(storage.store(3)); // stored and published while storage is being read
      storage.release();
      await settle();
      await settle();
      assert.deepEqual(sent, [1, 2, 3]);
    });
  });

  describe('a live event that overtook an earlier one', () => {
    it('goes back to storage and delivers both in order', async () => {
      const storage = new FakeStorage();
      const { feed, sent } = feedOn(storage);
      feed.start(0);
      await settle();
      storage.store(1);
      const second = storage.store(2);
      feed.offer(second); // 2's publish arrived first
      await settle();
      feed.offer(event(1)); // then 1's: already delivered from storage
      assert.deepEqual(sent, [1, 2]);
    });
  });

  describe('once closed', () => {
    it('sends nothing more', async () => {
      const storage = new FakeStorage();
      const { feed, sent } = feedOn(storage);
      feed.start(0);
      await settle();
      feed.close();
      feed.offer(storage.store(1));
      await settle();
      assert.deepEqual(sent, []);
    });
  });

  describe('after Redis was away', () => {
    it('catches up on events stored but never offered (their publish was lost), once each', async () => {
      const storage = new FakeStorage();
      const { feed, sent } = feedOn(storage);
      feed.start(0);
      await settle();
      feed.offer(storage.store(1));
      storage.store(2); // published while Redis was down: never offered
      storage.store(3);
      await settle();
      assert.deepEqual(sent, [1]);
      feed.catchUp();
      await settle();
      feed.offer(storage.events[2]!); // a late copy changes nothing
      feed.offer(storage.store(4));
      assert.deepEqual(sent, [1, 2, 3, 4]);
    });
  });

  describe('while the database restarts', () => {
    it('reads again after a read refused as UNAVAILABLE, keeps what was offered meanwhile, and never fails the device', async () => {
      const storage = new FakeStorage();
      for (let s = 1; s <= 3; s++) storage.store(s);
      let refusals = 2;
      const errors: unknown[] = [];
      const sent: number[] = [];
      const feed = new DeviceEventFeed(
        {
          fetchAfter: async (afterSeq, limit) => {
            if (refusals-- > 0) throw new AppError(ErrorCode.UNAVAILABLE, 'the database is unavailable', { retryAfterMs: 5 });
            return storage.fetchAfter(afterSeq, limit);
          },
        },
        (e) => sent.push(e.seq),
        (error) => errors.push(error),
      );
      feed.start(0);
      await settle();
      feed.offer(storage.store(4));
      for (let i = 0; i < 200 && sent.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.deepEqual(sent, [1, 2, 3, 4]);
      assert.deepEqual(errors, []);
    });

    it('fails the device on any other error', async () => {
      const errors: unknown[] = [];
      const feed = new DeviceEventFeed({ fetchAfter: async () => Promise.reject(new Error('a bug')) }, () => undefined, (error) => errors.push(error));
      feed.start(0);
      await settle();
      assert.equal(errors.length, 1);
    });
  });
});
