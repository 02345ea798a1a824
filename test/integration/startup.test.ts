import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { freePort, SERVER_ENTRY, startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { COUNTED_NODES_KEY } from '../../server/cluster/batchedPresence';
import { PORT_UNAVAILABLE } from '../../server/startupFailures';
import { SOLE_NODE_APPLICATION_NAME, SOLE_NODE_LOCK_KEY } from '../../db/soleNodeLock';
import { postJson, registerUser, TEST_PASSWORD, waitUntil } from '../support/accounts';
import { privateServicesOrSkip, startPrivateRedis } from '../support/privateServices';
import { createScratchDatabase, servicesOrSkip, testPool } from '../support/services';

const MIGRATE_ENTRY = path.resolve(SERVER_ENTRY, '../migrateCli.js');

/** `npm run migrate` (built) on an embedded data folder: its exit code and what it printed. */
function runMigrate(dataDir: string): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NATS_URL: '', KISMET_DATA_DIR: dataDir };
  delete env['DATABASE_URL'];
  delete env['REDIS_URL'];
  return new Promise((resolve) => {
    execFile(process.execPath, [MIGRATE_ENTRY], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** A fresh folder for an embedded node's data, removed after the test. */
function scratchDataDir(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-test-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe('node start-up', () => {
  describe('stopped the moment it says it is ready', () => {
    it('shuts down cleanly, leaving nothing among the nodes the cluster counts', async function () {
      const services = servicesOrSkip(this, { postgres: true });
      const binaries = privateServicesOrSkip(this);
      if (!services || !binaries) return;
      // A Redis of its own: what the nodes leave in it is theirs alone.
      const redis = await startPrivateRedis(binaries.redisServer);
      const client = new Redis(redis.url);
      const database = await createScratchDatabase(services.databaseUrl);
      try {
        // PM2 (wait_ready) and the harness may send SIGTERM as soon as 'ready' arrives: the node must hear it.
        const exits = [];
        for (let i = 0; i < 3; i++) exits.push(await (await startNodeProcess({ DATABASE_URL: database.url, REDIS_URL: redis.url })).stop());
        assert.deepEqual(exits, [0, 0, 0], 'a node ended by the signal itself (null) skipped its shutdown');
        assert.deepEqual(await client.hgetall(COUNTED_NODES_KEY), {}, 'a stopped node is still counted: the next one to start health-checks it first');
      } finally {
        client.disconnect();
        await redis.destroy();
        await database.drop();
      }
    });
  });

  describe('on a port another process holds', () => {
    it('fails to start, naming the port, instead of reporting ready', async () => {
      const data = scratchDataDir();
      const blocker = net.createServer();
      const port = await freePort(); // free now: a port of another service would fail the blocker, not the node
      await new Promise<void>((resolve) => blocker.listen(port, resolve));
      try {
        await assert.rejects(startNodeProcess({ KISMET_DATA_DIR: data.dir, PORT: String(port) }), (error: Error) => {
          assert.match(error.message, new RegExp(`${PORT_UNAVAILABLE}: could not listen on .*:${port}`));
          return true;
        });
      } finally {
        blocker.close();
        data.remove();
      }
    });
  });

  describe('on the port of a running Kismet node', () => {
    it('refuses with PORT_UNAVAILABLE and a non-zero exit, and the first node alone goes on serving', async () => {
      const [first, second] = [scratchDataDir(), scratchDataDir()];
      let running: NodeHandle | undefined;
      try {
        running = await startNodeProcess({ KISMET_DATA_DIR: first.dir });
        const user = await registerUser(running.url);
        await assert.rejects(startNodeProcess({ KISMET_DATA_DIR: second.dir, PORT: String(running.port) }), (error: Error) => {
          assert.match(error.message, new RegExp(`${PORT_UNAVAILABLE}: could not listen on .*:${running!.port}`));
          assert.match(error.message, /exited with [1-9]/);
          return true;
        });
        // Every login lands on the first node, which knows the account (the second one never did).
        for (let i = 0; i < 5; i++) assert.equal((await postJson(running.url, '/auth/login', { email: user.email, password: TEST_PASSWORD })).status, 200);
        assert.equal((await fetch(`${running.url}/readyz`)).status, 200);
      } finally {
        await running?.stop();
        first.remove();
        second.remove();
      }
    });
  });

  describe('on an embedded data folder another process holds', () => {
    const pglite = (dataDir: string) => path.join(dataDir, 'pglite');

    it('refuses a second node and `npm run migrate`, naming the folder, and the first node keeps serving its data', async () => {
      const data = scratchDataDir();
      let first: NodeHandle | undefined;
      try {
        first = await startNodeProcess({ KISMET_DATA_DIR: data.dir });
        const user = await registerUser(first.url);

        await assert.rejects(startNodeProcess({ KISMET_DATA_DIR: data.dir }), (error: Error) => {
          assert.match(error.message, /exited with [1-9]/);
          assert.ok(error.message.includes(`DATA_DIR_IN_USE: the embedded database folder ${pglite(data.dir)} is in use`), error.message);
          return true;
        });
        const migrate = await runMigrate(data.dir);
        assert.notEqual(migrate.code, 0);
        assert.ok(migrate.output.includes(`DATA_DIR_IN_USE: the embedded database folder ${pglite(data.dir)} is in use`), migrate.output);

        // The first node was not disturbed, and what it stored is there after its own restart.
        assert.equal((await postJson(first.url, '/auth/login', { email: user.email, password: TEST_PASSWORD })).status, 200);
        assert.equal(await first.stop(), 0);
        first = await startNodeProcess({ KISMET_DATA_DIR: data.dir });
        assert.equal((await postJson(first.url, '/auth/login', { email: user.email, password: TEST_PASSWORD })).status, 200);
        // Once no node runs, the folder is free for migrations.
        assert.equal(await first.stop(), 0);
        first = undefined;
        const alone = await runMigrate(data.dir);
        assert.equal(alone.code, 0, alone.output);
      } finally {
        await first?.stop();
        data.remove();
      }
    });

    it('is taken over by the next node once the holder has died (SIGKILL), with its data', async () => {
      const data = scratchDataDir();
      let node: NodeHandle | undefined;
      try {
        node = await startNodeProcess({ KISMET_DATA_DIR: data.dir });
        const user = await registerUser(node.url);
        await node.kill();
        node = await startNodeProcess({ KISMET_DATA_DIR: data.dir });
        assert.equal((await postJson(node.url, '/auth/login', { email: user.email, password: TEST_PASSWORD })).status, 200);
      } finally {
        await node?.stop();
        data.remove();
      }
    });
  });

  describe('on a Postgres database a node without Redis serves', () => {
    /** The backend holding the sole-node lock of the database, if any. */
    const lockHolder = async (pool: ReturnType<typeof testPool>): Promise<number | undefined> => {
      const { rows } = await pool.query<{ pid: number; application_name: string }>(
        `select l.pid, a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.granted and l.objid = $1 and l.objsubid = 1 and l.database = (select oid from pg_database where datname = current_database())`,
        [SOLE_NODE_LOCK_KEY],
      );
      if (rows[0]) assert.equal(rows[0].application_name, SOLE_NODE_APPLICATION_NAME);
      return rows[0]?.pid;
    };
    const refusesSecond = async (url: string) => {
      const started = await startNodeProcess({ DATABASE_URL: url }).then(
        async (second) => second.stop(),
        (error: Error) => {
          assert.match(error.message, /exited with [1-9]/);
          assert.ok(error.message.includes('DATABASE_IN_USE: another Kismet node without Redis serves this Postgres database'), error.message);
          return 'refused';
        },
      );
      assert.equal(started, 'refused', 'a second node started on the database');
    };

    it('refuses a second one with DATABASE_IN_USE and a non-zero exit while the first goes on serving, and lets the next in once the first stopped', async function () {
      const services = servicesOrSkip(this, { postgres: true });
      if (!services) return;
      const database = await createScratchDatabase(services.databaseUrl);
      let first: NodeHandle | undefined;
      let next: NodeHandle | undefined;
      try {
        first = await startNodeProcess({ DATABASE_URL: database.url });
        const user = await registerUser(first.url);
        await refusesSecond(database.url);
        for (let i = 0; i < 3; i++) assert.equal((await postJson(first.url, '/auth/login', { email: user.email, password: TEST_PASSWORD })).status, 200);
        assert.equal((await fetch(`${first.url}/readyz`)).status, 200);
        assert.equal(await first.stop(), 0);
        next = await startNodeProcess({ DATABASE_URL: database.url });
        assert.equal((await postJson(next.url, '/auth/login', { email: user.email, password: TEST_PASSWORD })).status, 200);
      } finally {
        await first?.stop();
        await next?.stop();
        await database.drop();
      }
    });

    it('takes its lock again when the connection holding it drops, and stops if another took it meanwhile', async function () {
      const services = servicesOrSkip(this, { postgres: true });
      if (!services) return;
      const database = await createScratchDatabase(services.databaseUrl);
      const pool = testPool(database.url);
      const rival = new Client({ connectionString: database.url });
      rival.on('error', () => undefined); // ended with the database below; nothing to report
      let node: NodeHandle | undefined;
      try {
        node = await startNodeProcess({ DATABASE_URL: database.url });
        const before = await lockHolder(pool);
        assert.notEqual(before, undefined, 'the node holds the lock');
        // Postgres ends the lock's connection (an administrator, a failover): the node takes the lock again.
        assert.equal((await pool.query('select pg_terminate_backend($1, 10000) as ended', [before])).rows[0].ended, true);
        await waitUntil(async () => ![undefined, before].includes(await lockHolder(pool)), 10_000, () => 'the lock held again on a new connection');
        await refusesSecond(database.url);
        // The dropped connection was reported as a Postgres error: ready again once the node's next probe answers.
        await waitUntil(async () => (await fetch(`${node!.url}/readyz`)).status === 200, 10_000, () => 'the node ready again');

        // Ended again, and another takes the lock before the node is back: the node stops rather than share.
        await rival.connect();
        assert.equal((await pool.query('select pg_terminate_backend($1, 10000) as ended', [await lockHolder(pool)])).rows[0].ended, true);
        assert.equal((await rival.query('select pg_try_advisory_lock($1) as locked', [SOLE_NODE_LOCK_KEY])).rows[0].locked, true, 'taken before the node retried');
        const stopped = node;
        await waitUntil(() => stopped.child.exitCode !== null, 10_000, () => 'the node to stop');
        assert.equal(stopped.child.exitCode, 1);
        assert.ok(stopped.output().includes('DATABASE_IN_USE'), stopped.output());
      } finally {
        await node?.stop();
        await rival.end().catch(() => undefined);
        await pool.end();
        await database.drop();
      }
    });
  });
});
