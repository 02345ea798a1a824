import assert from 'node:assert/strict';
import { presenceAfterDisconnect, presenceOnConnect } from '../../domain/presence';

describe('presence', () => {
  describe('presenceOnConnect', () => {
    it('makes an offline user online', () => assert.equal(presenceOnConnect('offline'), 'online'));
    it('keeps an away user away', () => assert.equal(presenceOnConnect('away'), 'away'));
    it('keeps an online user online', () => assert.equal(presenceOnConnect('online'), 'online'));
  });

  describe('presenceAfterDisconnect', () => {
    it('keeps the status while another device is connected', () => {
      assert.equal(presenceAfterDisconnect('online', 1), 'online');
      assert.equal(presenceAfterDisconnect('away', 2), 'away');
    });
    it('goes offline when the last device leaves', () => {
      assert.equal(presenceAfterDisconnect('online', 0), 'offline');
      assert.equal(presenceAfterDisconnect('away', 0), 'offline');
    });
  });
});
