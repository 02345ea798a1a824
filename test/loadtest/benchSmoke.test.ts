import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { natsOrSkip, streamNames } from '../support/nats';
import { privateServicesOrSkip } from '../support/privateServices';
import { servicesOrSkip } from '../support/services';

const BENCH = path.resolve(__dirname, '../../loadtest/bench.js');
const FIXED_KEYS = ['scenario', 'nodes', 'users', 'duration_s', 'ops_per_s', 'errors', 'server_rss_mb', 'cpu_model', 'cores', 'node_cpu_s', 'load_cpu_s', 'node_cpu_share', 'load_cpu_share', 'node_fences', 'node_stalls', 'node_longest_stall_ms', 'listen_overflows'];

interface BenchRun {
  readonly code: number | null;
  readonly output: string;
  readonly report: Record<string, unknown> | undefined;
  readonly nodePids: number[];
}

function runBench(args: string[], env: NodeJS.ProcessEnv, interruptAfter?: RegExp): Promise<BenchRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BENCH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let interrupted = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (interruptAfter && !interrupted && interruptAfter.test(output)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      const last = output.trim().split('\n').pop() ?? '';
      let report: Record<string, unknown> | undefined;
      try {
        report = JSON.parse(last) as Record<string, unknown>;
      } catch {
        report = undefined;
      }
      const nodePids = [...output.matchAll(/harness: node pid=(\d+)/g)].map((m) => Number(m[1]));
      resolve({ code, output, report, nodePids });
    });
  });
}

/** A service at a loopback address runs here, where its process's CPU can be read. */
function onThisMachine(url: string | undefined): boolean {
  return url !== undefined && ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function scratchDatabases(): Promise<string[]> {
  const client = new PgClient({ connectionString: process.env['DATABASE_URL'] });
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>("select datname from pg_database where datname like 'kismet_test_%'");
    return result.rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

/** Tiny runs of each scenario, so the harness cannot rot. Figures are not checked: timings belong to real runs. */
describe('load test harness (smoke)', function () {
  const embeddedEnv = { ...process.env, DATABASE_URL: '', REDIS_URL: '', NATS_URL: '' };

  describe('echo-baseline', () => {
    it('prints its JSON line with the fixed keys', async () => {
      const run = await runBench(['echo-baseline', '--duration', '1', '--connections', '20', '--rate', '500', '--workers', '1'], process.env);
      assert.equal(run.code, 0, run.output);
      for (const key of [...FIXED_KEYS, 'rtt_p50_ms', 'rtt_p95_ms', 'rtt_p99_ms']) assert.ok(key in run.report!, `missing ${key}`);
      assert.equal(run.report!['scenario'], 'echo-baseline');
      assert.equal(run.report!['errors'], 0);
      assert.ok(Number(run.report!['ops_per_s']) > 0);
    });
  });

  describe('stall', () => {
    it('answers every take and swipe offered to a stalled Redis and Postgres UNAVAILABLE, none otherwise', async function () {
      if (!privateServicesOrSkip(this)) return;
      const run = await runBench(['stall', '--duration', '1', '--rate', '5000', '--timeout-ms', '300'], process.env);
      assert.equal(run.code, 0, run.output);
      for (const key of [...FIXED_KEYS, 'take_wait_p99_ms', 'swipe_wait_p99_ms', 'swipe_flushes']) assert.ok(key in run.report!, `missing ${key}`);
      assert.equal(run.report!['errors'], 0);
      assert.equal(run.report!['take_refused'], run.report!['take_offered']);
      assert.equal(run.report!['swipe_refused'], run.report!['swipe_offered']);
      assert.ok(Number(run.report!['take_offered']) > 0);
    });
  });

  describe('connections on one embedded node', () => {
    it('holds every user, reports, and leaves no node behind', async () => {
      const run = await runBench(['connections', '--users', '6', '--duration', '2', '--heartbeat-ms', '500', '--workers', '1', '--no-baseline'], embeddedEnv);
      assert.equal(run.code, 0, run.output);
      for (const key of [...FIXED_KEYS, 'connect_p50_ms', 'connect_p99_ms', 'connections_held', 'rss_per_connection_kb']) {
        assert.ok(key in run.report!, `missing ${key}`);
      }
      assert.equal(run.report!['connections_held'], 6);
      assert.equal(run.report!['node_fences'], 0);
      assert.equal(run.report!['errors'], 0);
      assert.ok(Number(run.report!['ops_per_s']) > 0, 'heartbeats were answered');
      // After the hold the node saw every client go, then disposed every session actor (each lingers first).
      const [left, disposed] = [Number(run.report!['teardown_all_left_s']), Number(run.report!['teardown_all_disposed_s'])];
      assert.ok(left >= 0 && disposed >= left, `teardown: all left after ${left} s, all disposed after ${disposed} s`);
      // The node started, migrated and answered; the load worker connected and sent: both used CPU.
      assert.ok(Number(run.report!['node_cpu_s']) > 0 && Number(run.report!['load_cpu_s']) > 0, `CPU ${run.report!['node_cpu_s']} s node, ${run.report!['load_cpu_s']} s load`);
      // A join's cost to the nodes and to the load (the workers' start included); no Postgres or Redis process to count.
      assert.ok(Number(run.report!['node_cpu_per_join_ms']) > 0 && Number(run.report!['load_cpu_per_join_ms']) > 0, run.output);
      assert.ok(!('postgres_cpu_s' in run.report!) && !('redis_cpu_s' in run.report!), 'an embedded node has no service processes');
      assert.equal(run.nodePids.length, 1);
      assert.deepEqual(run.nodePids.filter(alive), []);
    });
  });

  describe('chat on one embedded node', () => {
    it('seeds its threads through sessions and delivers every message', async () => {
      const run = await runBench(['chat', '--threads', '3', '--duration', '1', '--rate', '30', '--workers', '1'], embeddedEnv);
      assert.equal(run.code, 0, run.output);
      assert.equal(run.report!['errors'], 0);
      assert.deepEqual([run.report!['messages_acked'], run.report!['messages_delivered']], [30, 30]);
    });
  });

  describe('connections on two nodes with Postgres and Redis', () => {
    before(function () {
      servicesOrSkip(this, { postgres: true, redis: true });
    });

    it('runs on both nodes and drops its scratch database', async () => {
      const before = await scratchDatabases();
      const run = await runBench(['connections', '--users', '10', '--duration', '2', '--heartbeat-ms', '500', '--nodes', '2', '--no-baseline'], process.env);
      assert.equal(run.code, 0, run.output);
      assert.equal(run.report!['nodes'], 2);
      assert.equal(run.report!['connections_held'], 10);
      assert.equal(run.report!['errors'], 0);
      assert.equal(run.nodePids.length, 2);
      assert.deepEqual(run.nodePids.filter(alive), []);
      assert.deepEqual((await scratchDatabases()).filter((name) => !before.includes(name)), []);
    });

    it('swipes: acknowledges every planned swipe and notifies every planned match', async () => {
      const run = await runBench(['swipes', '--users', '40', '--duration', '2', '--rate', '40', '--mutual', '0.5', '--nodes', '2', '--warm-after', '1'], process.env);
      assert.equal(run.code, 0, run.output);
      for (const key of [...FIXED_KEYS, 'ack_p50_ms', 'ack_p99_ms', 'notify_p99_ms', 'matches', 'mutual_pairs']) assert.ok(key in run.report!, `missing ${key}`);
      // The second second's swipes count as warm too.
      assert.ok(Number(run.report!['ack_warm_p99_ms']) > 0, 'no warm acknowledgement recorded');
      assert.equal(run.report!['errors'], 0);
      assert.equal(run.report!['swipes_acked'], run.report!['swipes_planned']);
      assert.ok(Number(run.report!['mutual_pairs']) > 0);
      assert.equal(run.report!['matches'], run.report!['mutual_pairs']);
      assert.equal(run.report!['matches_notified'], run.report!['mutual_pairs']);
      // Postgres and Redis on this machine: their CPU is counted, over the run and per swipe.
      if (onThisMachine(process.env['DATABASE_URL']) && onThisMachine(process.env['REDIS_URL'])) {
        for (const key of ['postgres_cpu_share', 'redis_cpu_share', 'swipes_postgres_cpu_s', 'swipes_redis_cpu_s', 'redis_cpu_us_per_swipe', 'load_cpu_us_per_swipe']) assert.ok(key in run.report!, `missing ${key}`);
        assert.ok(Number(run.report!['postgres_cpu_s']) > 0 && Number(run.report!['postgres_cpu_us_per_swipe']) > 0, `Postgres: ${run.report!['postgres_cpu_s']} s`);
      }
    });

    it('event-join --raisers --talkers: every attendee joins, every hand change and saying is answered and reaches the others, everyone leaves', async () => {
      const run = await runBench(['event-join', '--attendees', '30', '--raisers', '6', '--talkers', '4', '--duration', '2', '--nodes', '2'], process.env);
      assert.equal(run.code, 0, run.output);
      for (const key of ['join_p99_ms', 'leave_p99_ms', 'hand_reply_p99_ms', 'hand_seen_p99_ms', 'say_reply_p99_ms', 'say_seen_p99_ms', 'hold_node_cpu_s']) assert.ok(key in run.report!, `missing ${key}`);
      assert.equal(run.report!['joined'], 30);
      assert.equal(run.report!['errors'], 0);
      assert.ok(Number(run.report!['hand_changes']) >= 6, `hand changes ${run.report!['hand_changes']}`);
      assert.ok(Number(run.report!['said']) >= 4, `said ${run.report!['said']}`);
      for (const key of ['hand_refused', 'hand_unanswered', 'say_refused', 'say_unanswered']) assert.equal(run.report![key], 0, key);
      assert.ok(Number(run.report!['hand_views_timed']) > 0, 'no raise seen by another attendee');
      assert.ok(Number(run.report!['hands_messages']) > 0 && Number(run.report!['hands_ids']) > 0);
      // Everyone hears everything said, the one who said it included.
      assert.equal(run.report!['chat_messages'], Number(run.report!['said']) * 30);
      assert.deepEqual(run.nodePids.filter(alive), []);
    });

    it('push: every offline recipient gets one decryptable Web Push, with latency and outbox depth reported', async () => {
      const run = await runBench(['push', '--users', '30', '--rate', '100', '--nodes', '2'], process.env);
      assert.equal(run.code, 0, run.output);
      for (const key of [...FIXED_KEYS, 'pushes_per_s', 'event_to_provider_p50_ms', 'event_to_provider_p99_ms', 'outbox_depth_max']) assert.ok(key in run.report!, `missing ${key}`);
      assert.deepEqual([run.report!['pushes'], run.report!['missing'], run.report!['repeats'], run.report!['errors']], [30, 0, 0, 0]);
    });

    it('sweep: removes every listing of the dead nodes and none of the others', async () => {
      const run = await runBench(['sweep', '--listings', '200', '--users', '30'], process.env);
      assert.equal(run.code, 0, run.output);
      for (const key of [...FIXED_KEYS, 'sweep_ms', 'sweep_cpu_ms', 'sweep_redis_cpu_ms', 'unindexed_sweep_ms', 'unindexed_sweep_whole_listing_reads']) assert.ok(key in run.report!, `missing ${key}`);
      assert.equal(run.report!['errors'], 0);
    });

    it('chat: acknowledges, delivers and persists every planned message', async () => {
      const run = await runBench(['chat', '--threads', '20', '--duration', '2', '--rate', '100', '--nodes', '2', '--warm-after', '1'], process.env);
      assert.equal(run.code, 0, run.output);
      for (const key of [...FIXED_KEYS, 'ack_p99_ms', 'deliver_p99_ms', 'messages_persisted']) assert.ok(key in run.report!, `missing ${key}`);
      assert.ok(Number(run.report!['ack_warm_p99_ms']) > 0 && Number(run.report!['deliver_warm_p99_ms']) > 0, 'no warm latency recorded');
      assert.equal(run.report!['errors'], 0);
      assert.equal(run.report!['messages_planned'], 200);
      assert.deepEqual(
        [run.report!['messages_acked'], run.report!['messages_delivered'], run.report!['messages_persisted']],
        [200, 200, 200],
      );
      assert.equal(run.report!['connections_held'], 40);
    });

    it('chat --away: acknowledges and persists every planned message, and tells each away member of each', async () => {
      const run = await runBench(['chat', '--away', '--threads', '20', '--duration', '2', '--rate', '100', '--nodes', '2', '--warm-after', '1'], process.env);
      assert.equal(run.code, 0, run.output);
      assert.equal(run.report!['errors'], 0);
      assert.deepEqual(
        [run.report!['messages_planned'], run.report!['messages_acked'], run.report!['messages_delivered'], run.report!['messages_persisted'], run.report!['notices_stored']],
        [200, 200, 0, 200, 200],
      );
      assert.equal(run.report!['connections_held'], 20);
    });

    it('chat --nats: every message is published to the run\'s own stream, which is gone after the run', async function () {
      await natsOrSkip(this);
      const streamsBefore = await streamNames();
      const run = await runBench(['chat', '--nats', '--threads', '20', '--duration', '2', '--rate', '100', '--nodes', '2', '--warm-after', '1'], process.env);
      assert.equal(run.code, 0, run.output);
      assert.equal(run.report!['errors'], 0);
      assert.deepEqual(
        [run.report!['messages_persisted'], run.report!['domain_events_stored'], run.report!['domain_events_done'], run.report!['domain_events_pending'], run.report!['domain_events_in_stream']],
        [200, 200, 200, 0, 200],
      );
      assert.ok(Number(run.report!['domain_lag_p99_ms']) > 0, 'no publish lag recorded');
      assert.deepEqual((await streamNames()).filter((name) => !streamsBefore.includes(name)), []);
    });

    it('reconnect: every session of the killed node is served again on a survivor, and no node is left behind', async () => {
      const run = await runBench(['reconnect', '--users', '8', '--bystanders', '4', '--nodes', '3', '--connect-rate', '40'], process.env);
      assert.equal(run.code, 0, run.output);
      for (const key of [...FIXED_KEYS, 'outage_p50_ms', 'outage_p99_ms', 'all_served_again_s', 'rejoin_retries', 'sessions_lost']) assert.ok(key in run.report!, `missing ${key}`);
      assert.equal(run.report!['errors'], 0);
      assert.deepEqual([run.report!['sessions_lost'], run.report!['served_again'], run.report!['bystanders_lost']], [8, 8, 0]);
      const [first, all] = [Number(run.report!['first_served_s']), Number(run.report!['all_served_again_s'])];
      assert.ok(first >= 0 && first <= all, `first served ${first} s, all ${all} s`);
      assert.equal(run.nodePids.length, 3);
      assert.deepEqual(run.nodePids.filter(alive), []);
    });

    it('rejoin: every close-and-rejoin through the next node is served', async () => {
      const run = await runBench(['rejoin', '--users', '3', '--cycles', '4', '--nodes', '2'], process.env);
      assert.equal(run.code, 0, run.output);
      for (const key of [...FIXED_KEYS, 'seat_p99_ms', 'join_p99_ms', 'join_max_ms']) assert.ok(key in run.report!, `missing ${key}`);
      assert.deepEqual([run.report!['errors'], run.report!['rejoins']], [0, 12]);
      assert.deepEqual(run.nodePids.filter(alive), []);
    });

    it('cleans up after Ctrl-C in the middle of a run', async () => {
      const before = await scratchDatabases();
      const run = await runBench(['connections', '--users', '10', '--duration', '30', '--nodes', '2', '--no-baseline'], process.env, /holding/);
      assert.equal(run.code, 130, run.output);
      assert.equal(run.nodePids.length, 2);
      assert.deepEqual(run.nodePids.filter(alive), []);
      assert.deepEqual((await scratchDatabases()).filter((name) => !before.includes(name)), []);
    });
  });
});
