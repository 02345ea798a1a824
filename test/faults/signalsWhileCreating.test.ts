import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SESSION_ROOM, SessionEventType } from '../../contracts/session';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { joinActor, registerUser, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { lockAwaited } from '../support/clusterDatabase';
import { matchedPair } from '../support/matches';

/** A node's subscribers to a channel now (pub/sub channels are server-wide, whatever the database). */
async function subscribers(redis: Redis, channel: string): Promise<number> {
  const answer = (await redis.pubsub('NUMSUB', channel)) as [string, number];
  return Number(answer[1]);
}

/**
 * An actor subscribes to its topics before it reads storage, so a message published while it
 * loads is heard before it is whole. Storage is held here with a table lock (this suite's own
 * database) until the message has been delivered to the node: it used to end the node.
 */
describe('faults: what an actor hears while it is being created', function () {
  const suite = useTestCluster(1, { ACTOR_LINGER_MS: '0' });
  let redis: Redis;
  let locker: pg.Client;

  before(async () => {
    redis = new Redis(suite.cluster.env['REDIS_URL']!);
    locker = new pg.Client({ connectionString: suite.cluster.env['DATABASE_URL'] });
    // The suite's database is dropped with its cluster (whose hook runs first), which ends this connection.
    locker.on('error', () => undefined);
    await locker.connect();
  });

  after(async () => {
    await locker?.end().catch(() => undefined);
    redis?.disconnect();
  });

  /** Runs `publish` while the actor on `channel` waits on a lock of `table`, then lets it go on. */
  async function whileLoading(table: string, channel: string, publish: () => Promise<number>): Promise<void> {
    await locker.query('begin');
    try {
      await locker.query(`lock table ${table} in access exclusive mode`);
      await waitUntil(async () => (await subscribers(redis, channel)) === 1 && (await lockAwaited(suite.cluster.pool, table, 'AccessShareLock')), 20_000, () => `the actor subscribed and waiting on ${table}`);
      assert.equal(await publish(), 1, 'the node heard it');
    } finally {
      await locker.query('rollback');
    }
  }

  it('takes in a colleague added while a thread loads, and the node lives on', async () => {
    const [node] = suite.nodes;
    const { a, matchId } = await matchedPair(node.url);
    const joining = ThreadClient.join(node.url, a, matchId);
    await whileLoading('read_markers', `kismet:thread:${matchId}`, () =>
      redis.publish(`kismet:thread:${matchId}`, JSON.stringify({ kind: 'member.added', userId: randomUUID() })),
    );
    const thread = await joining;
    try {
      assert.equal(thread.ready.matchId, matchId);
      assert.ok('ok' in (await thread.sendText('after', 'still here')));
      assert.equal(node.child.exitCode, null, 'the node is alive');
    } finally {
      thread.close();
    }
  });

  it('hears a revocation published while a session loads, and the node lives on', async () => {
    const [node] = suite.nodes;
    const user = await registerUser(node.url);
    const joining = joinActor(node.url, user.accessToken, SESSION_ROOM, { userId: user.userId, deviceId: 'phone' }, SessionEventType.READY).then(
      (device) => device.room.leave(),
      () => undefined, // closed with the session it joined: nothing is asked of this join
    );
    await whileLoading('match_members', `kismet:user:${user.userId}`, () => redis.publish(`kismet:user:${user.userId}`, JSON.stringify({ kind: 'revoked' })));
    await joining;
    assert.equal(node.child.exitCode, null, 'the node is alive');
    // Nothing was revoked in storage: the next join is served.
    const again = await joinActor(node.url, user.accessToken, SESSION_ROOM, { userId: user.userId, deviceId: 'phone' }, SessionEventType.READY);
    await again.room.leave();
  });
});
