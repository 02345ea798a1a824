import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './nodeProcess';

/**
 * A Redis server and a Postgres cluster of a fault test's (or a benchmark's) own, on
 * free ports, that it stops, stalls and starts at will: the shared services other
 * suites use at the same moment are never touched. Each is stopped and removed by `destroy()`, and
 * also when the process exits without it (a failed run leaves nothing behind).
 */

/** Binaries the private services need; undefined when this machine lacks them. */
export function privateServiceBinaries(): { redisServer: string; pgBin: string } | undefined {
  const redisServer = which('redis-server');
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!redisServer || !newest) return undefined;
  return { redisServer, pgBin: path.join(root, newest, 'bin') };
}

function which(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

const cleanups = new Set<() => void>();
process.once('exit', () => {
  for (const cleanup of cleanups) cleanup();
});

function run(file: string, args: readonly string[], options: { asPostgres?: boolean } = {}): Promise<string> {
  const [command, argv] = options.asPostgres && process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, [...args]];
  return new Promise((resolve, reject) => {
    execFile(command, argv, { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server (it keeps no data: a restart starts empty, as `--save ''` Redis does). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stalls the server (SIGSTOP): its connections stay open, and nothing sent on them is answered until `resume()`. */
  stall(): void;
  resume(): void;
  destroy(): Promise<void>;
}

export async function startPrivateRedis(redisServer: string): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const kill = () => child?.kill('SIGKILL');
  cleanups.add(kill);
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      child = started;
      await untilListening(port);
    },
    async stop() {
      const stopping = child;
      if (!stopping || stopping.exitCode !== null) return;
      const exited = new Promise((resolve) => stopping.once('exit', resolve));
      stopping.kill('SIGTERM');
      stopping.kill('SIGCONT'); // a stalled server hears the SIGTERM once it runs again
      await exited;
    },
    stall: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async destroy() {
      await redis.stop();
      cleanups.delete(kill);
    },
  };
  await redis.start();
  return redis;
}

/** Waits until something accepts connections on `port` (at most 30 s). */
async function untilListening(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for a private redis-server on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface PrivatePostgres {
  readonly port: number;
  /** The cluster's `postgres` database, over TCP. */
  readonly url: string;
  /** `pg_ctl restart -m fast`: what a failover or a minor upgrade does to the connections. */
  restartFast(): Promise<void>;
  /** Stalls the server and its backends (SIGSTOP): connections stay open, nothing is answered until `resume()`. */
  stall(): void;
  resume(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** A scratch cluster: `initdb` into a temporary folder (owned by `postgres` when run as root), started with `pg_ctl`. */
export async function startPrivatePostgres(pgBin: string): Promise<PrivatePostgres> {
  const port = await freePort();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = root;
  if (process.getuid?.() === 0) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres']).toString().trim())) as [number, number];
    fs.chownSync(root, uid, gid);
  }
  const pgCtl = path.join(pgBin, 'pg_ctl');
  const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const stopNow = () => {
    resumeQuietly(); // a stalled server would not hear pg_ctl
    try {
      const args = ['stop', '-D', dataDir, '-m', 'immediate'];
      if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { stdio: 'ignore' });
      else execFileSync(pgCtl, args, { stdio: 'ignore' });
    } catch {
      // not running: nothing to stop
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  // The postmaster (first line of its pid file) and the processes it started.
  function signalAll(signal: 'STOP' | 'CONT'): void {
    const postmaster = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
    execFileSync('pkill', [`-${signal}`, '-P', postmaster]);
    execFileSync('kill', [`-${signal}`, postmaster]);
  }
  function resumeQuietly(): void {
    try {
      signalAll('CONT');
    } catch {
      // not running
    }
  }
  cleanups.add(stopNow);
  await run(path.join(pgBin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync'], { asPostgres: true });
  const postgres: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: async () => {
      await run(pgCtl, ['start', '-D', dataDir, '-w', '-t', '60', '-l', path.join(root, 'server.log'), '-o', serverOptions], { asPostgres: true });
    },
    stop: async () => {
      await run(pgCtl, ['stop', '-D', dataDir, '-w', '-t', '60', '-m', 'fast'], { asPostgres: true });
    },
    stall: () => signalAll('STOP'),
    resume: () => signalAll('CONT'),
    restartFast: async () => {
      await run(pgCtl, ['restart', '-D', dataDir, '-w', '-t', '60', '-m', 'fast', '-l', path.join(root, 'server.log'), '-o', serverOptions], { asPostgres: true });
    },
    destroy: async () => {
      resumeQuietly();
      await run(pgCtl, ['stop', '-D', dataDir, '-w', '-t', '60', '-m', 'immediate'], { asPostgres: true }).catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
      cleanups.delete(stopNow);
    },
  };
  await postgres.start();
  return postgres;
}
