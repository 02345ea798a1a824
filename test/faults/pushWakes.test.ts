import assert from 'node:assert/strict';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { waitUntil } from '../support/accounts';
import { NO_SHEDDING } from '../support/limits';
import { matchedPair } from '../support/matches';
import { privateServicesOrSkip, startPrivatePostgres, type PrivatePostgres } from '../support/privateServices';
import { hearing, payloadsTo, registerWebPush, sendText, useWebPushStandIn } from '../support/push/pushedNode';

/**
 * A node hears the push outbox's notifications on a connection of its own. When
 * Postgres restarts that connection ends; the node must open it again, or it would
 * find new pushes only on its slow clock (here: hourly).
 */
describe('faults: the push outbox’s notifications through a Postgres restart', function () {
  this.timeout(180_000);
  const standIn = useWebPushStandIn();
  let postgres: PrivatePostgres | undefined;
  let node: NodeHandle | undefined;

  before(async function () {
    const binaries = privateServicesOrSkip(this);
    if (!binaries) return;
    postgres = await startPrivatePostgres(binaries.pgBin);
    node = await startNodeProcess({ ...standIn.env, ...NO_SHEDDING, DATABASE_URL: postgres.url, PUSH_POLL_MS: String(3_600_000) });
  });
  after(async () => {
    await node?.stop();
    await postgres?.destroy();
  });

  it('hears them again once Postgres is back, and pushes a message at once', async () => {
    const url = node!.url;
    await hearing(node!);
    const { a, b, matchId } = await matchedPair(url);
    const phone = await registerWebPush(url, standIn.service, b, 'phone');

    await postgres!.restartFast();
    await hearing(node!, 2);
    // The first statements after the restart may meet dead pool connections (answered UNAVAILABLE): the phone sends again, with the same id.
    await waitUntil(() => sendText(url, a, matchId, 'after-restart').then(() => true, () => false), 20_000, () => 'the message stored after the restart');
    await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === 1, 15_000, () => 'the push of the message');
    assert.deepEqual(standIn.service.refusals, []);
  });
});
