import assert from 'node:assert/strict';
import type { IRoomCache } from '@colyseus/core';
import { actorCreations } from '../../server/cluster/actorCreations';

const listingOf = (roomId: string, processId: string) => ({ name: 'session', roomId, processId }) as unknown as IRoomCache;

/** A creation that never ends by itself, as one waiting on another node's answer. */
function pending(): { promise: Promise<IRoomCache>; resolve(listing: IRoomCache): void } {
  let resolve!: (listing: IRoomCache) => void;
  const promise = new Promise<IRoomCache>((r) => (resolve = r));
  return { promise, resolve };
}

describe('creations of actors under way on a node', () => {
  it('lets later joins of an actor wait for the first join’s creation, until it ends', async () => {
    const creation = pending();
    actorCreations.share('session:a', creation.promise, { here: false });
    assert.equal(actorCreations.underWayFor('session:a'), creation.promise);
    creation.resolve(listingOf('session_a', 'node-1'));
    await creation.promise;
    await new Promise((r) => setImmediate(r));
    assert.equal(actorCreations.underWayFor('session:a'), undefined, 'an ended creation is no longer shared');
  });

  it('makes another node’s request share a creation placed here', async () => {
    const creation = pending();
    actorCreations.share('session:b', creation.promise, { here: true });
    let created = 0;
    const served = actorCreations.createHere('session:b', async () => {
      created++;
      return listingOf('session_b', 'node-2');
    });
    assert.equal(served, creation.promise);
    creation.resolve(listingOf('session_b', 'node-1'));
    assert.equal((await served).processId, 'node-1');
    assert.equal(created, 0);
  });

  it('never makes another node’s request wait for a creation this node asked another node for', async () => {
    // Two nodes that ask each other for the same actor would each wait for the other's answer.
    const forwarded = pending();
    actorCreations.share('session:c', forwarded.promise, { here: false });
    const served = await actorCreations.createHere('session:c', async () => listingOf('session_c', 'node-1'));
    assert.equal(served.processId, 'node-1', 'created here at once');
    assert.equal(actorCreations.underWayFor('session:c'), forwarded.promise, 'the join’s own creation is still the one its node shares');
    forwarded.resolve(listingOf('session_c', 'node-2'));
  });

  it('shares a creation made at another node’s request with the joins that follow', async () => {
    const made = pending();
    const served = actorCreations.createHere('session:d', () => made.promise);
    assert.equal(actorCreations.underWayFor('session:d'), served);
    made.resolve(listingOf('session_d', 'node-1'));
    await served;
  });
});
