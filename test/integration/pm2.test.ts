import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Pool } from 'pg';
import { freePortRun } from '../../loadtest/harness/nodeProcess';
import { registerUser, waitUntil } from '../support/accounts';
import { assertEveryClientConnected, converse, storedMessages, type ConversationRun } from '../support/chatDriver';
import { matchedPair } from '../support/matches';
import { Pm2 } from '../support/pm2';
import { ResilientDevice } from '../support/resilientSession';
import { createScratchDatabase, scratchRedis, servicesOrSkip, testPool } from '../support/services';
import { UNLIMITED_RATES } from '../support/limits';
import { HARNESS_DEFAULTS } from '../../loadtest/harness/secrets';
import { metricValue } from '../support/cluster';

const FIRST_NODES = 3;

describe('a cluster run by PM2: scale, then reload under chat traffic', function () {
  let pm2: Pm2 | undefined;
  let pool: Pool;
  let ports: number[] = [];
  let cleanup: Array<() => Promise<void>> = [];
  const devices: ResilientDevice[] = [];
  const urls = (count = ports.length) => ports.slice(0, count).map((port) => `http://127.0.0.1:${port}`);

  /** Resolves once `count` nodes answer /readyz. */
  const ready = (count: number) =>
    waitUntil(
      async () => (await Promise.all(urls(count).map((url) => fetch(`${url}/readyz`).then((r) => r.ok, () => false)))).every(Boolean),
      60_000,
      () => `${count} nodes ready`,
    );

  before(async function () {
    const services = servicesOrSkip(this, { postgres: true, redis: true });
    if (!services) return;
    const database = await createScratchDatabase(services.databaseUrl);
    const redis = await scratchRedis(services.redisUrl);
    pool = testPool(database.url);
    ports = await freePortRun(FIRST_NODES + 1); // consecutive: BASE_PORT + instance; the last is for `pm2 scale`
    pm2 = new Pm2({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      NODE_ENV: 'production',
      LIVEKIT_URL: 'wss://livekit.kismet.test',
      LIVEKIT_API_KEY: 'kismet-test',
      LIVEKIT_API_SECRET: randomBytes(32).toString('hex'),
      MEDIA_HOSTS: 'media.kismet.test',
      KISMET_NODES: String(FIRST_NODES),
      BASE_PORT: String(ports[0]),
      HOST: '127.0.0.1', // this machine's clients alone: a node on every interface would refuse to advertise loopback
      PUBLIC_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      STALE_NODE_TIMEOUT_MS: '1000',
      ...UNLIMITED_RATES,
      RATE_LIMITS: HARNESS_DEFAULTS['RATE_LIMITS']!, // every test account registers from one address
    });
    cleanup = [() => pool.end(), () => database.drop(), () => redis.close()];
    await pm2.run('start', 'ecosystem.config.js');
    await ready(FIRST_NODES);
  });

  after(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await pm2?.destroy();
    for (const step of cleanup) await step();
  });

  it('spreads actors over the nodes it started, and places new ones on a node added by `pm2 scale`', async () => {
    // Users join through each node in turn until every node holds some of their sessions.
    const first = new Set<string>();
    for (let i = 0; i < 10 * FIRST_NODES && (first.size < FIRST_NODES || i < 3 * FIRST_NODES); i++) {
      const user = await registerUser(urls()[i % FIRST_NODES]!);
      const device = await ResilientDevice.connect(user, 'phone', () => urls(FIRST_NODES).slice(i % FIRST_NODES));
      devices.push(device);
      first.add(device.node);
    }
    assert.equal(first.size, FIRST_NODES, 'clients on every node');

    // As many newcomers as the least loaded first node holds: the new node stays the least loaded until the last.
    const held = await Promise.all(urls(FIRST_NODES).map((url) => metricValue({ url }, /^kismet_rooms\{kind="session"/)));
    assert.ok(Math.min(...held) >= 1, `sessions per node: ${held.join(', ')}`);
    await pm2!.run('scale', 'kismet', String(FIRST_NODES + 1));
    await ready(FIRST_NODES + 1);
    const newcomers = await Promise.all(Array.from({ length: Math.min(...held) }, () => registerUser(urls()[0]!)));
    const placed: string[] = [];
    for (const user of newcomers) {
      const device = await ResilientDevice.connect(user, 'phone', () => urls());
      devices.push(device);
      placed.push(device.node);
    }
    // The new node holds no actor yet, so it is the least loaded: every new actor goes there.
    assert.equal(new Set(placed).size, 1, placed.join(', '));
    assert.equal(first.has(placed[0]!), false, 'placed on the node PM2 added');
  });

  it('reloads every node while threads are busy, and loses, repeats or leaves behind nothing', async () => {
    const PAIRS = 4;
    const AT_LEAST = 50; // messages per member; each goes on until every node has reloaded
    const pairs = await Promise.all(Array.from({ length: PAIRS }, (_, p) => matchedPair(urls()[p % ports.length]!)));
    for (const pair of pairs) {
      for (const member of [pair.a, pair.b]) devices.push(await ResilientDevice.connect(member, 'phone', () => urls()));
    }
    const rotated = (k: number) => () => [...urls().slice(k % ports.length), ...urls().slice(0, k % ports.length)];
    let reloaded = false;
    const runs: Array<Promise<ConversationRun>> = pairs.flatMap((pair, p) =>
      [pair.a, pair.b].map((member, side) =>
        converse({ member, matchId: pair.matchId, prefix: side === 0 ? 'a' : 'b', count: AT_LEAST, until: () => reloaded, window: 2, pauseMs: 20, nodeUrls: rotated(2 * p + side) }),
      ),
    );
    // Reload once the conversations are under way.
    await waitUntil(async () => Number((await pool.query<{ n: string }>('select count(*) as n from messages')).rows[0]!.n) >= PAIRS * 20, 30_000);
    const reloadsBefore = devices.reduce((sum, d) => sum + d.reconnects, 0);
    await pm2!.run('reload', 'kismet', '--parallel', '1'); // one node at a time
    reloaded = true;
    const done = await Promise.all(runs);

    assert.ok(devices.reduce((sum, d) => sum + d.reconnects, 0) > reloadsBefore, 'devices were moved off reloaded nodes');
    // Every node reloaded while every thread was busy, so every thread moved at least once.
    for (const run of done) assert.ok(run.reconnects > 0, `thread ${run.matchId} was moved off its reloaded node`);
    for (const [p, pair] of pairs.entries()) {
      const sent = done[2 * p]!.acked.size + done[2 * p + 1]!.acked.size;
      assert.ok(sent >= 2 * AT_LEAST, `thread ${p}: ${sent} messages`);
      const stored = await storedMessages(pool, pair.matchId);
      assert.deepEqual(stored.map((m) => m.seq), Array.from({ length: sent }, (_, i) => i + 1), `thread ${p}: gap-free, every message once`);
      const bySender = new Map(stored.map((m) => [`${m.senderId}/${m.clientMessageId}`, m.seq]));
      for (const [side, member] of [pair.a, pair.b].entries()) {
        for (const [id, seq] of done[2 * p + side]!.acked) assert.equal(bySender.get(`${member.userId}/${id}`), seq, `thread ${p}: ${id}`);
      }
    }
    await assertEveryClientConnected(done, devices, urls()[0]!);
  });
});

describe('ecosystem.config.js', () => {
  /** Loads the file as PM2 would, with `env`: its exit code, what it printed, and the nodes' variables. */
  const load = (env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; output: string; nodeEnv: Record<string, string | undefined> }>((resolve) => {
      const script = "process.stdout.write(JSON.stringify(require('./ecosystem.config.js').apps[0].env))";
      execFile(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../../..'), env }, (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        resolve({ code, output: `${stdout}${stderr}`, nodeEnv: code === 0 ? (JSON.parse(stdout) as Record<string, string | undefined>) : {} });
      });
    });
  const environment = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['REDIS_URL', 'PUBLIC_HOST']) delete env[key];
    return env;
  };

  it('refuses several nodes without REDIS_URL, which would never hear each other, and takes one alone', async () => {
    const two = await load({ ...environment(), KISMET_NODES: '2' });
    assert.notEqual(two.code, 0);
    assert.match(two.output, /2 nodes \(KISMET_NODES, default one per core\) need REDIS_URL and DATABASE_URL/);
    assert.equal((await load({ ...environment(), KISMET_NODES: '1' })).code, 0);
    assert.equal((await load({ ...environment(), KISMET_NODES: '2', REDIS_URL: 'redis://127.0.0.1:6379' })).code, 0);
  });

  it('makes up no PUBLIC_HOST: unset, the nodes get none (and refuse to advertise loopback while on every interface)', async () => {
    const cluster = await load({ ...environment(), KISMET_NODES: '2', REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.equal(cluster.nodeEnv['PUBLIC_HOST'], undefined);
    const named = await load({ ...environment(), KISMET_NODES: '2', REDIS_URL: 'redis://127.0.0.1:6379', PUBLIC_HOST: 'kismet-1.example.com' });
    assert.equal(named.nodeEnv['PUBLIC_HOST'], 'kismet-1.example.com');
  });
});
