import assert from 'node:assert/strict';
import { Room } from '@colyseus/core';
import { ChatThreadRoom } from '../../rooms/chat/ChatThreadRoom';
import { SessionRoom } from '../../rooms/session/SessionRoom';

/** A room of Colyseus's own, with nothing added. */
class BareRoom extends Room {}

const ownKeys = (room: object) => Reflect.ownKeys(room).length;

/**
 * Colyseus turns every room's properties into a hash table whose size doubles
 * with a few entries more (rooms/actorRoom.ts). Colyseus's own take most of them, so an actor
 * the node holds by the thousand adds two: what every actor keeps, and its parts.
 */
describe('the properties an actor adds to a Colyseus room', () => {
  for (const [name, Actor] of [['session', SessionRoom], ['chat thread', ChatThreadRoom]] as const) {
    it(`a ${name} adds two`, () => {
      assert.equal(ownKeys(new Actor()) - ownKeys(new BareRoom()), 2);
    });
  }
});
