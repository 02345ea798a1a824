import assert from 'node:assert/strict';
import type { IRoomCache } from '@colyseus/core';
import { ActorLocalDriver } from '../../server/cluster/actorDrivers';

const listing = (userId: string, extra: Partial<IRoomCache> = {}) =>
  ({ name: 'session', roomId: `session_${userId}`, processId: 'node-1', clients: 0, maxClients: Infinity, locked: false, private: false, ...extra }) as IRoomCache;

/** The conditions Colyseus's matchmaking asks a driver for when a join names a session. */
const sessionOf = (userId: string) => ({ name: 'session', locked: false, private: false, userId }) as unknown as Partial<IRoomCache>;

describe('the single-node listing', () => {
  it('finds an actor by the identity a join names, and no longer once it is removed', async () => {
    const driver = new ActorLocalDriver();
    for (let i = 0; i < 50; i++) assert.equal(await driver.insert(listing(`u${i}`)), true);
    assert.equal(await driver.insert(listing('u7')), false, 'one listing per actor');
    assert.equal((await driver.findOne(sessionOf('u7')))?.roomId, 'session_u7');
    assert.equal(await driver.findOne(sessionOf('nobody')), undefined);
    assert.equal(driver.remove('session_u7'), true);
    assert.equal(await driver.findOne(sessionOf('u7')), undefined);
    assert.equal(driver.query({ name: 'session' }).length, 49);
  });

  it('keeps what matchmaking asks beyond the identity: a locked actor is not offered', async () => {
    const driver = new ActorLocalDriver();
    const room = listing('ana');
    await driver.insert(room);
    driver.update(room, { $set: { locked: true } });
    assert.equal(await driver.findOne(sessionOf('ana')), undefined);
    driver.update(room, { $set: { locked: false } });
    assert.equal((await driver.findOne(sessionOf('ana')))?.roomId, 'session_ana');
  });

  it('forgets everything when cleared', async () => {
    const driver = new ActorLocalDriver();
    await driver.insert(listing('ben'));
    driver.clear();
    assert.equal(await driver.findOne(sessionOf('ben')), undefined);
  });
});
