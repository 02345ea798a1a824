import assert from 'node:assert/strict';
import { LOBBY_LEASE_MS, LobbyLeases } from '../../domain/lobbyLeases';

/** A lobby with `n` visible people placed at time 0, named p0, p1, ... */
function placed(n: number): LobbyLeases {
  const leases = new LobbyLeases();
  for (let i = 0; i < n; i++) leases.enter(`p${i}`, false, 0);
  return leases;
}

describe('lobby leases', () => {
  it('counts who is placed, and lets a place lapse when it is not renewed', () => {
    const leases = placed(5);
    leases.enter('late', false, 10_000);
    assert.equal(leases.size, 6);
    assert.equal(leases.nearbyFor(), 5);
    assert.equal(leases.sweep(LOBBY_LEASE_MS - 1), false);
    assert.equal(leases.sweep(LOBBY_LEASE_MS), true, 'the first five lapsed');
    assert.deepEqual([leases.size, leases.nearbyFor()], [1, 0]);
    leases.enter('late', false, LOBBY_LEASE_MS); // renewed
    assert.equal(leases.sweep(10_000 + LOBBY_LEASE_MS), false);
  });

  it('counts the others, never the viewer: a viewer sees the same whether placed or not', () => {
    const leases = placed(5);
    assert.deepEqual([leases.nearbyFor('p0'), leases.nearbyFor('outsider'), leases.nearbyFor()], [0, 5, 5]);
    leases.enter('outsider', false, 0);
    assert.deepEqual([leases.nearbyFor('p0'), leases.nearbyFor('outsider')], [5, 5]);
  });

  it('shows one other person arriving and leaving to nobody in a sparse lobby', () => {
    const leases = placed(1); // the watcher, p0; and someone who watches without being placed
    const reads = () => [leases.nearbyFor('p0'), leases.nearbyFor('stranger')];
    const before = reads();
    assert.deepEqual(before, [0, 0]);
    leases.enter('victim', false, 0);
    assert.deepEqual(reads(), before, 'arrived');
    leases.leave('victim');
    assert.deepEqual(reads(), before, 'left');
  });

  it('counts a shadow-banned user for nobody, and shows them what they would see unhidden', () => {
    const leases = placed(5);
    leases.enter('shady', false, 0);
    assert.deepEqual([leases.nearbyFor('p0'), leases.nearbyFor('shady')], [5, 5]);
    leases.enter('shady', true, 0); // shadow-banned
    assert.deepEqual([leases.nearbyFor('p0'), leases.nearbyFor('shady'), leases.nearbyFor()], [0, 5, 5]);
    leases.enter('shady', false, 0); // lifted
    assert.deepEqual([leases.nearbyFor('p0'), leases.nearbyFor('shady')], [5, 5]);
    leases.enter('shady', true, 0);
    leases.leave('shady');
    assert.deepEqual([leases.size, leases.nearbyFor()], [5, 5], 'a hidden place given back leaves the others counted');
  });
});
