import { parseArgs } from 'node:util';
import { DEFAULT_H3_RESOLUTION } from '../domain/geo';
import { BENCH_REDIS_DB, startBenchCluster, type BenchCluster } from './harness/benchCluster';
import { benchStream } from './harness/benchStream';
import { cleanupAll, interruption } from './harness/cleanup';
import { cpuLedger } from './harness/cpuLedger';
import { listenOverflows, machineInfo } from './harness/machine';
import { nodeLog } from './harness/nodeLog';
import { runChat } from './scenarios/chat';
import { runConnections } from './scenarios/connections';
import { runDeck } from './scenarios/deck';
import { runEventJoin } from './scenarios/eventJoin';
import { runEchoBaseline } from './scenarios/echoBaseline';
import { runPushBench } from './scenarios/push';
import { runSwipes } from './scenarios/swipes';
import { runReconnect } from './scenarios/reconnect';
import { runRejoin } from './scenarios/rejoin';
import { runSweep } from './scenarios/sweep';
import { runStall } from './scenarios/stall';
import { checkConnectionsFit } from './harness/fileLimit';
import { workersFor } from './harness/workers';

const USAGE = `usage: npm run bench -- <scenario> [options]

scenarios:
  connections     ramp up authenticated users (one session actor each), hold them with heartbeats
  swipes          connected users swiping at a fixed rate, a known share in mutual pairs
  chat            matched pairs, both members in their thread, messages at a fixed rate
  deck            a metro area of cards (Postgres); searchers ask for decks, first cold, then cached
  event-join      a burst of registered attendees joining one live event at once, then leaving (Postgres)
  echo-baseline   a bare uWebSockets.js echo server and the same client: this machine's ceiling
  reconnect       sessions held on one node, which is then killed (SIGKILL): time until each is served again elsewhere
  rejoin          devices whose connection closes rejoin at once through the next node, again and again
  push            offline users each get a message notification through the Web Push stand-in (Postgres)
  sweep           a live node's sweep of a dead node's listings among many more (Redis, no node runs)
  stall           a node's rate-limit takes, then swipe writes, meeting a Redis, then a Postgres, of the run's
                  own that stops answering (SIGSTOP) for the duration and a second more (no node runs)

options:
  --users N        users, default 1000 (connections), 4000 (swipes), 2000 searchers (deck),
                   10000 offline recipients (push), 10000 sessions on the killed node (reconnect)
                   or 50 devices (rejoin), 10000 actors of the dead node (sweep)
  --listings N     the other nodes' listings around the dead node's (sweep), default 50000
  --cycles N       close-and-rejoin cycles per device (rejoin), default 40
  --bystanders N   sessions on the surviving nodes (reconnect), default 1000
  --threads N      chat threads, two members each (chat), default 1000
  --away           chat: only one member of each thread joins and sends; the other is away and told in
                   their event stream (acknowledgements only)
  --duration S     seconds to hold / to send, default 30 (connections, swipes, chat) or 10 (echo-baseline);
                   reconnect: seconds after the kill before a session not served again is an error, default 300;
                   stall: seconds of offers to the stalled server, default 2
  --rate R         connections per second (connections, default 200), swipes per second (swipes,
                   default 2000), chat messages per second (chat, default 5000), messages per
                   second (echo, default 40000), messages stored per second (push, default 2500)
                   or takes and swipes offered per second (stall, default 5000)
  --timeout-ms N   stall: the clients' command and statement timeout, default 5000 (a node's)
  --cards N        cards seeded over the metro area (deck), default 100000
  --cold-rate R    cold decks per second (deck), default 100; --rate sets cached decks per second, default 2000
  --deck-size N    cards per deck (deck), default 50
  --attendees N    attendees of the burst (event-join), default 2000
  --raisers N      event-join: attendees who raise and lower their hands once a second through the hold,
                   default 0
  --talkers N      event-join: attendees who say something once a second through the hold, default 0
  --hidden N       event-join: attendees shadow-banned before the run, default 0
  --warm-after S   seconds into the sends after which latencies also count as warm (swipes: ack_warm_p*,
                   notify_warm_p*; chat: ack_warm_p*, deliver_warm_p*), default 5
  --mutual F       share of swipes that are the likes of mutual pairs (swipes), default 0.05
  --hot N          popular cards that the other likes go to, each liked by many users at once (swipes), default 0
  --connect-rate R users (swipes, reconnect) or members (chat) connecting per second before the run, default 300
  --nodes N        Kismet nodes, default 2 with DATABASE_URL and REDIS_URL, else 1 embedded
  --workers N      load processes, default 2
  --connections N  echo-baseline sockets, default 1000
  --heartbeat-ms N heartbeat interval per user (connections), default 10000
  --nats           the nodes also publish domain events to a JetStream stream of the run's own (NATS_URL,
                   default nats://127.0.0.1:4222), as with an event bus; the report adds domain_events_* and
                   domain_lag_p* (not for echo-baseline, reconnect, push)
  --no-baseline    skip the short echo run that gives the ceiling ratio`;

function intOption(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

/** Two nodes when there are services to share, else the one embedded node. */
function defaultNodeCount(): number {
  return process.env['DATABASE_URL'] && process.env['REDIS_URL'] ? 2 : 1;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      users: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      nodes: { type: 'string' },
      workers: { type: 'string' },
      connections: { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      mutual: { type: 'string' },
      hot: { type: 'string' },
      threads: { type: 'string' },
      cards: { type: 'string' },
      attendees: { type: 'string' },
      raisers: { type: 'string' },
      talkers: { type: 'string' },
      hidden: { type: 'string' },
      'cold-rate': { type: 'string' },
      'deck-size': { type: 'string' },
      'connect-rate': { type: 'string' },
      'warm-after': { type: 'string' },
      bystanders: { type: 'string' },
      listings: { type: 'string' },
      cycles: { type: 'string' },
      'timeout-ms': { type: 'string' },
      away: { type: 'boolean', default: false },
      nats: { type: 'boolean', default: false },
      'no-baseline': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const scenario = positionals[0];
  if (values.help || !scenario) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = scenario ? 0 : 2;
    return;
  }
  let workers = intOption(values.workers, 2, 'workers');
  const machine = machineInfo();
  if (values.nats && ['echo-baseline', 'reconnect', 'push'].includes(scenario)) throw new Error(`--nats is not for ${scenario}`);
  const stream = values.nats ? benchStream(process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222') : undefined;
  let measured: BenchCluster | undefined;
  /** Starts the nodes a scenario measures, and says what runs on them. */
  const startCluster = async (what: string) => {
    const cluster = await startBenchCluster(intOption(values.nodes, defaultNodeCount(), 'nodes'), stream?.env);
    process.stdout.write(`${scenario}: ${cluster.description}${stream ? ', domain events to NATS' : ''}, ${what}, ${workers} load processes\n`);
    measured = cluster;
    return cluster;
  };
  const started = Date.now();
  const overflowsBefore = listenOverflows();
  let report: Record<string, number | string>;

  if (scenario === 'echo-baseline') {
    const connections = intOption(values.connections, 1000, 'connections');
    const durationS = intOption(values.duration, 10, 'duration');
    const echo = await runEchoBaseline({ connections, ratePerS: intOption(values.rate, 40_000, 'rate'), durationS, workers });
    report = { scenario, nodes: 1, users: connections, duration_s: durationS, ...echo, ceiling_ratio: 1 };
  } else if (scenario === 'connections') {
    const users = intOption(values.users, 1000, 'users');
    const holdS = intOption(values.duration, 30, 'duration');
    workers = workersFor(users, workers);
    checkConnectionsFit(users, intOption(values.nodes, defaultNodeCount(), 'nodes'));
    let ceiling = 0;
    if (!values['no-baseline']) {
      ceiling = Number((await runEchoBaseline({ connections: 200, ratePerS: 40_000, durationS: 3, workers })).ops_per_s);
    }
    const cluster = await startCluster(`${users} users`);
    const result = await runConnections(cluster, {
      users,
      holdS,
      connectRatePerS: intOption(values.rate, 200, 'rate'),
      heartbeatIntervalMs: intOption(values['heartbeat-ms'], 10_000, 'heartbeat-ms'),
      workers,
    });
    report = {
      scenario,
      nodes: cluster.nodes.length,
      users,
      duration_s: holdS,
      ...result,
      echo_ceiling_ops_per_s: ceiling,
      ceiling_ratio: ceiling > 0 ? Math.round((Number(result['ops_per_s']) / ceiling) * 1000) / 1000 : 0,
    };
  } else if (scenario === 'swipes') {
    const users = intOption(values.users, 4000, 'users');
    const durationS = intOption(values.duration, 30, 'duration');
    const mutualFraction = Number(values.mutual ?? 0.05);
    if (!(mutualFraction >= 0 && mutualFraction <= 1)) throw new Error('--mutual must be between 0 and 1');
    const hotCards = intOption(values.hot, 0, 'hot');
    const cluster = await startCluster(`${users} users`);
    const result = await runSwipes(cluster, {
      users,
      durationS,
      ratePerS: intOption(values.rate, 2000, 'rate'),
      warmAfterS: intOption(values['warm-after'], 5, 'warm-after'),
      mutualFraction,
      hotCards,
      connectRatePerS: intOption(values['connect-rate'], 300, 'connect-rate'),
      workers,
    });
    report = { scenario, nodes: cluster.nodes.length, users, duration_s: durationS, hot_cards: hotCards, ...result };
  } else if (scenario === 'chat') {
    const threads = intOption(values.threads, 1000, 'threads');
    const durationS = intOption(values.duration, 30, 'duration');
    const cluster = await startCluster(`${threads} threads`);
    const result = await runChat(cluster, {
      threads,
      durationS,
      ratePerS: intOption(values.rate, 5000, 'rate'),
      warmAfterS: intOption(values['warm-after'], 5, 'warm-after'),
      connectRatePerS: intOption(values['connect-rate'], 300, 'connect-rate'),
      workers,
      away: values.away,
    });
    report = { scenario, nodes: cluster.nodes.length, users: threads * 2, duration_s: durationS, away: values.away ? 1 : 0, ...result };
  } else if (scenario === 'deck') {
    const users = intOption(values.users, 2000, 'users');
    const cards = intOption(values.cards, 100_000, 'cards');
    const durationS = intOption(values.duration, 30, 'duration');
    const cluster = await startCluster(`${cards} cards, ${users} searchers`);
    const result = await runDeck(cluster, {
      cards,
      users: Math.min(users, cards),
      durationS,
      coldRatePerS: intOption(values['cold-rate'], 100, 'cold-rate'),
      cachedRatePerS: intOption(values.rate, 2000, 'rate'),
      connectRatePerS: intOption(values['connect-rate'], 300, 'connect-rate'),
      deckSize: intOption(values['deck-size'], 50, 'deck-size'),
      workers,
      resolution: DEFAULT_H3_RESOLUTION,
    });
    report = { scenario, nodes: cluster.nodes.length, users, duration_s: durationS, ...result };
  } else if (scenario === 'event-join') {
    const attendees = intOption(values.attendees, 2000, 'attendees');
    const holdS = intOption(values.duration, 5, 'duration');
    const cluster = await startCluster(`${attendees} attendees`);
    const result = await runEventJoin(cluster, { attendees, holdS, workers, raisers: intOption(values.raisers, 0, 'raisers'), talkers: intOption(values.talkers, 0, 'talkers'), hidden: intOption(values.hidden, 0, 'hidden') });
    report = { scenario, nodes: cluster.nodes.length, users: attendees, duration_s: holdS, ...result };
  } else if (scenario === 'reconnect') {
    const sessions = intOption(values.users, 10_000, 'users');
    const bystanders = values.bystanders === '0' ? 0 : intOption(values.bystanders, 1000, 'bystanders');
    const nodes = intOption(values.nodes, 2, 'nodes');
    if (nodes < 2) throw new Error('reconnect needs --nodes 2 or more: one to kill, the others to rejoin');
    workers = workersFor(sessions + bystanders, workers);
    checkConnectionsFit(sessions + bystanders, nodes - 1);
    const cluster = await startBenchCluster(1); // the victim; the survivors start once it holds every victim session
    process.stdout.write(`reconnect: ${nodes} nodes, Postgres + Redis, ${sessions} sessions on the killed node, ${bystanders} on the others, ${workers} load processes\n`);
    const result = await runReconnect(cluster, {
      sessions,
      bystanders,
      survivors: nodes - 1,
      connectRatePerS: intOption(values['connect-rate'], 300, 'connect-rate'),
      recoveryTimeoutS: Math.min(intOption(values.duration, 300, 'duration'), 590),
      workers,
      staleNodeTimeoutMs: Number(process.env['STALE_NODE_TIMEOUT_MS'] ?? 2000),
    });
    report = { scenario, nodes, users: sessions + bystanders, duration_s: Number(result['last_served_s']), ...result };
  } else if (scenario === 'rejoin') {
    const users = intOption(values.users, 50, 'users');
    const cycles = intOption(values.cycles, 40, 'cycles');
    workers = 0; // the devices run in this process
    const cluster = await startCluster(`${users} devices rejoining ${cycles} times each`);
    const result = await runRejoin(cluster, { users, cycles });
    report = { scenario, nodes: cluster.nodes.length, users, duration_s: Math.round((Date.now() - started) / 1000), ...result };
  } else if (scenario === 'push') {
    const users = intOption(values.users, 10_000, 'users');
    const result = await runPushBench({ users, ratePerS: intOption(values.rate, 2500, 'rate'), nodes: intOption(values.nodes, defaultNodeCount(), 'nodes') });
    report = { scenario, nodes: intOption(values.nodes, defaultNodeCount(), 'nodes'), users, duration_s: result['store_s']!, ...result };
  } else if (scenario === 'sweep') {
    const redisUrl = process.env['REDIS_URL'];
    if (!redisUrl) throw new Error('sweep needs REDIS_URL: it measures the cluster listing in Redis');
    const actors = intOption(values.users, 10_000, 'users');
    const result = await runSweep({ listings: intOption(values.listings, 50_000, 'listings'), actors, redisUrl, redisDb: BENCH_REDIS_DB });
    report = { scenario, nodes: 0, users: actors, duration_s: Number(result['sweep_ms']) / 1000, ...result };
  } else if (scenario === 'stall') {
    const durationS = intOption(values.duration, 2, 'duration');
    const result = await runStall({ ratePerS: intOption(values.rate, 5000, 'rate'), durationS, timeoutMs: intOption(values['timeout-ms'], 5000, 'timeout-ms') });
    report = { scenario, nodes: 0, users: 0, duration_s: durationS, ...result };
  } else {
    throw new Error(`unknown scenario "${scenario}"\n${USAGE}`);
  }

  if (stream) report = { ...report, ...(await stream.report(measured?.seedTarget.databaseUrl)) };
  report = { ...report, cpu_model: machine.cpu_model, cores: machine.cores, total_mem_gb: machine.total_mem_gb, node: machine.node, wall_s: Math.round((Date.now() - started) / 1000), ...cpuLedger.report(), ...nodeLog.report() };
  // Connections dropped at a full accept queue during the run (each waits a second for its retry): the machine's count, any listener's.
  const overflowsAfter = listenOverflows();
  if (overflowsBefore !== undefined && overflowsAfter !== undefined) report = { ...report, listen_overflows: overflowsAfter - overflowsBefore };
  const logDir = process.env['KISMET_BENCH_LOG_DIR'];
  if (logDir) nodeLog.keep(logDir);
  await cleanupAll();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch(async (error: unknown) => {
  if (interruption()) {
    await cleanupAll();
    process.exit(130);
  }
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  await cleanupAll();
  process.exit(1);
});
