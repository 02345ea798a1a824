import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { nodeFlags } from '../../server/nodeFlags';
import { PORT_UNAVAILABLE } from '../../server/startupFailures';
import { forkWithFullFileLimit } from './fileLimit';
import { HARNESS_DEFAULTS } from './secrets';

export const SERVER_ENTRY = path.resolve(__dirname, '../../server/main.js');

export interface NodeHandle {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the node printed, for failure messages. */
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

// Below Linux's ephemeral range (32768+), where outgoing sockets would take ports from under the nodes.
let nextPort = 20_000 + Math.floor(Math.random() * 10_000);
export function freePortCandidate(): number {
  nextPort += 1;
  return nextPort;
}

/**
 * A port nothing listens on now, below the ephemeral range, checked by binding it:
 * for what cannot retry its start on another port, as a node process does (a
 * private service, or a node started in the test's own process, where Colyseus's
 * matchmaker is set up once).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = freePortCandidate();
    if (await nothingListensOn(port)) return port;
  }
}

/**
 * `count` consecutive ports nothing listens on now, each checked by binding it:
 * for processes that take a base port plus their number (PM2's instances). The
 * range below the ephemeral one holds other services' ports too (RabbitMQ's
 * distribution port, 25672, on these machines).
 */
export async function freePortRun(count: number): Promise<number[]> {
  for (;;) {
    const first = await freePort();
    const run = [first];
    while (run.length < count && (await nothingListensOn(first + run.length))) run.push(first + run.length);
    nextPort = Math.max(nextPort, first + run.length); // later candidates start past what was probed
    if (run.length === count) return run;
  }
}

function nothingListensOn(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Variables that would leak the developer's or CI's services into a node meant to run embedded. */
const SERVICE_VARIABLES = [
  'DATABASE_URL', 'REDIS_URL', 'KISMET_SINGLE_NODE', 'PUBLIC_ADDRESS', 'PUBLIC_HOST', 'PORT', 'KISMET_DATA_DIR', 'NODE_ENV', 'JWT_SECRET', 'HOST',
  'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'RATE_LIMITS', 'CORS_ORIGINS', 'MEDIA_HOSTS', 'WEB_PUSH_ENDPOINT_HOSTS',
  // A node publishes domain events only where a suite points it at a stream of its own.
  'NATS_URL', 'NATS_STREAM', 'NATS_SUBJECT_PREFIX',
];

/**
 * Starts a real Kismet node process and resolves once it reports ready
 * (database migrated, presence answering, socket listening). It runs with
 * HARNESS_DEFAULTS unless `env` says otherwise; a variable given as undefined is unset.
 */
export interface NodeProcessOptions {
  readonly readyTimeoutMs?: number;
  /** Node's own flags beside the server's (`--inspect=127.0.0.1:0` for a test that holds the main thread). */
  readonly execArgv?: readonly string[];
}

export async function startNodeProcess(env: Record<string, string | undefined>, options: NodeProcessOptions = {}): Promise<NodeHandle> {
  if (env['PORT'] !== undefined) return startOnPort(Number(env['PORT']), env, options);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(freePortCandidate(), env, options);
    } catch (error) {
      // Another process holds the port: try the next one.
      if (attempt >= 5 || !String((error as Error).message).includes(PORT_UNAVAILABLE)) throw error;
    }
  }
}

function withoutUnset(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

async function startOnPort(port: number, env: Record<string, string | undefined>, options: NodeProcessOptions): Promise<NodeHandle> {
  const cleanEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of SERVICE_VARIABLES) delete cleanEnv[key];
  // KISMET_PROFILE_DIR: each node writes a V8 CPU profile there when it exits (where a benchmark's time goes).
  const profileDir = process.env['KISMET_PROFILE_DIR'];
  // KISMET_TRACE_GC_DIR: each node's --trace-gc lines go to <dir>/gc-<pid>.log (when its collector pauses).
  const gcDir = process.env['KISMET_TRACE_GC_DIR'];
  const child = forkWithFullFileLimit(SERVER_ENTRY, {
    execArgv: [...nodeFlags(), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(gcDir ? ['--trace-gc'] : []), ...(options.execArgv ?? [])],
    env: withoutUnset({ ...cleanEnv, LOG_LEVEL: 'warn', ...HARNESS_DEFAULTS, ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  if (gcDir) child.stdout?.pipe(fs.createWriteStream(path.join(gcDir, `gc-${child.pid}.log`)));
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node on port ${port} not ready in time:\n${output}`));
    }, options.readyTimeoutMs ?? 60_000);
    child.on('message', (message) => {
      if (message === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node on port ${port} exited with ${code} before ready:\n${output}`));
    });
  });

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
