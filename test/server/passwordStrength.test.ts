import assert from 'node:assert/strict';
import { judgePassword, PASSWORD_JUDGED_CHARS } from '../../server/auth/passwordStrength';

const ADA = 'ada.lovelace@example.com';

describe('judgePassword', function () {
  // The first call loads the dictionaries.
  this.timeout(30_000);

  describe('common and guessable passwords', () => {
    for (const password of ['password', 'password1', '12345678', 'qwertyuiop', 'iloveyou', 'P@ssw0rd!', 'letmein123', 'kismet2024!', 'aaaaaaaaaaaa']) {
      it(`refuses ${JSON.stringify(password)}`, async () => {
        assert.deepEqual(await judgePassword(password, ADA), { kind: 'weak', reason: 'guessable' });
      });
    }
  });

  describe('passwords holding the email', () => {
    for (const password of [ADA, 'Ada.Lovelace@Example.com!', 'ada.lovelace-1815', 'adalovelace1815']) {
      it(`refuses ${JSON.stringify(password)}`, async () => {
        assert.deepEqual(await judgePassword(password, ADA), { kind: 'weak', reason: 'contains-email' });
      });
    }

    it('counts the words of the local part as known, refusing what is strong for anyone else', async () => {
      assert.deepEqual(await judgePassword('zanzibarquokka', 'quokka.zanzibar@example.com'), { kind: 'weak', reason: 'guessable' });
      assert.deepEqual(await judgePassword('zanzibarquokka', 'ada@example.com'), { kind: 'strong' });
    });

    it('leaves a local part of one or two characters to the estimator: any password holding an "a" is not refused for it', async () => {
      assert.deepEqual(await judgePassword('correct horse battery', 'a@example.com'), { kind: 'strong' });
    });
  });

  describe('strong passwords', () => {
    for (const password of ['correct horse battery', 'violet tractor umbrella', 'zanzibar-quokka']) {
      it(`takes ${JSON.stringify(password)}`, async () => {
        assert.deepEqual(await judgePassword(password, ADA), { kind: 'strong' });
      });
    }
  });

  describe(`passwords longer than ${PASSWORD_JUDGED_CHARS} characters`, () => {
    const strongStart = 'violet tractor umbrella '.repeat(3).slice(0, PASSWORD_JUDGED_CHARS);

    it('are judged on their first characters: a weak tail does not matter, a weak start does', async () => {
      assert.deepEqual(await judgePassword(`${strongStart}${'password'.repeat(8)}`, ADA), { kind: 'strong' });
      assert.deepEqual(await judgePassword(`${'1'.repeat(PASSWORD_JUDGED_CHARS)}violet tractor umbrella`, ADA), { kind: 'weak', reason: 'guessable' });
    });

    it('are still refused for holding the email past the judged part', async () => {
      assert.deepEqual(await judgePassword(`${strongStart}${ADA}`, ADA), { kind: 'weak', reason: 'contains-email' });
    });
  });
});
