import assert from 'node:assert/strict';
import { LOBBY_LEASE_MS, LobbyLeases } from '../../domain/lobbyLeases';

describe('lobby leases', () => {
  it('counts who is placed, and lets a place lapse when it is not renewed', () => {
    const leases = new LobbyLeases();
    leases.enter('a', false, 0);
    leases.enter('b', false, 10_000);
    assert.equal(leases.nearbyFor(), 2);
    assert.equal(leases.sweep(LOBBY_LEASE_MS - 1), false);
    assert.equal(leases.sweep(LOBBY_LEASE_MS), true, 'a lapsed');
    assert.equal(leases.nearbyFor(), 1);
    leases.enter('b', false, LOBBY_LEASE_MS); // renewed
    assert.equal(leases.sweep(10_000 + LOBBY_LEASE_MS), false);
  });
  it('counts a shadow-banned user for themselves alone', () => {
    const leases = new LobbyLeases();
    leases.enter('a', false, 0);
    leases.enter('shady', true, 0);
    assert.equal(leases.sameForAll, false);
    assert.deepEqual([leases.nearbyFor('a'), leases.nearbyFor('shady'), leases.nearbyFor()], [1, 2, 1]);
    leases.enter('shady', false, 0); // lifted
    assert.deepEqual([leases.nearbyFor('a'), leases.sameForAll], [2, true]);
    leases.leave('shady');
    assert.equal(leases.nearbyFor(), 1);
  });
});
