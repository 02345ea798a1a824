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
    const estimates = new PlacementEstimates(2000);
    const reported: NodeLoad[] = [
      { processId: 'a', roomCount: 0 },
      { processId: 'b', roomCount: 0 },
    ];
    const placed = actors(200).map((actor, i) => {
      const chosen = chooseNodeForActor(estimates.estimate(reported, 1000 + i), actor)!;
      estimates.record(chosen, 1000 + i);
      return chosen;
    });
    const onA = placed.filter((p) => p === 'a').length;
    assert.ok(Math.abs(onA - 100) <= 1, `${onA} of 200 on a`);
  });

  it('counts its placements on a node until the figure that node reports has caught up with them, never twice', () => {
    const estimates = new PlacementEstimates(2000);
    const load = (roomCount: number, now: number) => estimates.estimate([{ processId: 'b', roomCount }], now)[0]!.roomCount;
    assert.equal(load(4, 0), 4);
    for (let i = 0; i < 3; i++) estimates.record('b', 50);
    assert.equal(load(4, 100), 7, 'three being created');
    assert.equal(load(5, 200), 7, 'one created, two still counted');
    assert.equal(load(7, 300), 7, 'all created: counted once');
    assert.equal(load(9, 400), 9, 'rooms other nodes asked for count too');
    for (let i = 0; i < 3; i++) estimates.record('b', 500);
    assert.equal(load(9, 600), 10, 'the window counts from the figure it began with: 4 + 6 placements');
  });

  it('stops counting its placements once the window has passed, trusting the reported figure', () => {
    const estimates = new PlacementEstimates(2000);
    const load = (roomCount: number, now: number) => estimates.estimate([{ processId: 'b', roomCount }], now)[0]!.roomCount;
    assert.equal(load(4, 0), 4);
    estimates.record('b', 0);
    estimates.record('b', 10);
    assert.equal(load(4, 1000), 6);
    assert.equal(load(3, 2500), 3, 'rooms closed meanwhile: the reported figure wins once the window is over');
    estimates.record('b', 2600);
    assert.equal(load(3, 2700), 4, 'a new window starts from the figure seen last');
  });

  it('names the actor a create request is for', () => {
    assert.equal(actorIdOfRequest('session', { userId: 'u1' }), 'session_u1');
    assert.equal(actorIdOfRequest('cell', { cell: '872a1072bffffff' }), 'cell_872a1072bffffff');
    assert.equal(actorIdOfRequest('session', {}), 'session');
    assert.equal(actorIdOfRequest('unknown', { userId: 'u1' }), 'unknown');
  });
});
