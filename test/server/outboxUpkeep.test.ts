import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { Gauge } from 'prom-client';
import type { Database } from '../../db/types';
import { OutboxUpkeep } from '../../server/outboxUpkeep';
import { waitUntil } from '../support/accounts';

/** So long that a round which comes came through a wake, not through the pause running out. */
const HOUR_MS = 3_600_000;

/** An upkeep with no database: its prune fails into `onError`, and its rounds are what the tests watch. */
function upkeepWithoutDatabase(): OutboxUpkeep {
  const gauge = (name: string) => new Gauge({ name, help: name, registers: [] });
  return new OutboxUpkeep({} as Kysely<Database>, 'push_outbox', HOUR_MS, { depth: gauge('depth'), oldestAge: gauge('oldest_age') });
}

describe('an outbox worker loop (OutboxUpkeep)', () => {
  it('keeps a wake that comes while a round runs: the next round starts without waiting out the pause', async () => {
    const upkeep = upkeepWithoutDatabase();
    let rounds = 0;
    upkeep.start(
      async () => {
        rounds += 1;
        // Rows added while the first round was leasing: their notification arrives mid-round.
        if (rounds === 1) upkeep.wake();
        return false;
      },
      HOUR_MS,
      () => undefined,
    );
    try {
      await waitUntil(() => rounds >= 2, 10_000, () => `a second round (${rounds} so far)`);
    } finally {
      await upkeep.stop();
    }
    assert.equal(rounds, 2, 'one wake, one more round');
  });

  it('cuts its pause short at a wake, and a stop ends it', async () => {
    const upkeep = upkeepWithoutDatabase();
    let rounds = 0;
    let failedUpkeeps = 0;
    upkeep.start(
      async () => {
        rounds += 1;
        return false;
      },
      HOUR_MS,
      // The first round's upkeep fails (no database) just before the loop goes to sleep.
      () => (failedUpkeeps += 1),
    );
    await waitUntil(() => failedUpkeeps === 1, 10_000, () => 'the first round and its upkeep');
    upkeep.wake();
    await waitUntil(() => rounds === 2, 10_000, () => `the round after the wake (${rounds} so far)`);
    await upkeep.stop();
    assert.equal(rounds, 2);
  });
});
