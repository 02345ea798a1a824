import assert from 'node:assert/strict';
import { PlacementEstimates, actorIdOfRequest, chooseNodeForActor, type NodeLoad } from '../../server/cluster/actorPlacement';

const actors = (count: number) => Array.from({ length: count }, (_, i) => `session_user-${i}`);

describe('actor placement', () => {
  it('sends a new actor to the least loaded node', () => {
    const loads: NodeLoad[] = [
      { processId: 'a', roomCount: 12 },
      { processId: 'b', roomCount: 3 },
      { processId: 'c', roomCount: 7 },
    ];
    for (const actor of actors(50)) assert.equal(chooseNodeForActor(loads, actor), 'b');
  });

  it('splits actors between equally loaded nodes by actor, the same way on every node', () => {
    const loads: NodeLoad[] = [
      { processId: 'a', roomCount: 5 },
      { processId: 'b', roomCount: 5 },
      { processId: 'c', roomCount: 5 },
    ];
    const reversed = [...loads].reverse();
    const counts = new Map<string, number>();
    for (const actor of actors(3000)) {
      const chosen = chooseNodeForActor(loads, actor)!;
      assert.equal(chooseNodeForActor(reversed, actor), chosen, 'the order nodes are listed in does not matter');
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), ['a', 'b', 'c']);
    // Each node's share is binomial(3000, 1/3): 1000 ± 26; 850 is nearly six deviations off.
    for (const [node, count] of counts) assert.ok(count > 850 && count < 1150, `${node} got ${count} of 3000`);
  });

  it('has no node to offer when none is live', () => {
    assert.equal(chooseNodeForActor([], 'session_x'), undefined);
  });

  it('spreads a burst decided on one node before any count is reported', () => {
    const estimates = new PlacementEstimates('a', 2000);
    const reported: NodeLoad[] = [
      { processId: 'a', roomCount: 0 },
      { processId: 'b', roomCount: 0 },
    ];
    const placed = actors(200).map((actor, i) => {
      const chosen = chooseNodeForActor(estimates.estimate(reported, 1000 + i), actor)!;
      estimates.record(chosen);
      return chosen;
    });
    const onA = placed.filter((p) => p === 'a').length;
    assert.ok(Math.abs(onA - 100) <= 1, `${onA} of 200 on a`);
  });

  it('counts its own placements until its live room count has caught up with them, never twice', () => {
    const estimates = new PlacementEstimates('a', 2000);
    const self = (roomCount: number, now: number) => estimates.estimate([{ processId: 'a', roomCount }], now)[0]!.roomCount;
    assert.equal(self(4, 0), 4);
    for (let i = 0; i < 3; i++) estimates.record('a');
    assert.equal(self(4, 100), 7, 'three being created');
    assert.equal(self(7, 200), 7, 'created: counted once');
    assert.equal(self(9, 300), 9, 'rooms other nodes asked for count too');
    estimates.record('a');
    assert.equal(self(9, 2500), 9, 'a new window starts from the live count');
  });

  it('counts its placements on another node until that node reports a new figure', () => {
    const estimates = new PlacementEstimates('a', 2000);
    const other = (roomCount: number) => estimates.estimate([{ processId: 'b', roomCount }], 0)[0]!.roomCount;
    assert.equal(other(4), 4);
    estimates.record('b');
    estimates.record('b');
    assert.equal(other(4), 6);
    assert.equal(other(6), 6, 'the new report holds them');
    estimates.record('b');
    assert.equal(other(6), 7);
  });

  it('names the actor a create request is for', () => {
    assert.equal(actorIdOfRequest('session', { userId: 'u1' }), 'session_u1');
    assert.equal(actorIdOfRequest('cell', { cell: '872a1072bffffff' }), 'cell_872a1072bffffff');
    assert.equal(actorIdOfRequest('session', {}), 'session');
    assert.equal(actorIdOfRequest('unknown', { userId: 'u1' }), 'unknown');
  });
});
