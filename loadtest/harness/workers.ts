import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { LoadJob, LoadResult, WorkerMessage } from '../jobs';
import { onCleanup } from './cleanup';
import { cpuLedger } from './cpuLedger';
import { forkWithFullFileLimit } from './fileLimit';

const WORKER_ENTRY = path.resolve(__dirname, '../worker.js');

/** Connections one load process holds at most: under the 20,000-descriptor hard limit of the project's machines, with room to spare. */
export const MAX_CONNECTIONS_PER_WORKER = 18_000;

/** Load processes for `connections` open at once: at least `asked`, and enough that none holds more than MAX_CONNECTIONS_PER_WORKER. */
export function workersFor(connections: number, asked: number): number {
  return Math.max(asked, Math.ceil(connections / MAX_CONNECTIONS_PER_WORKER));
}

export interface WorkerRun {
  /** Resolves when every worker has finished connecting (connections scenario). */
  readonly ramped: Promise<number>;
  readonly results: Promise<LoadResult[]>;
  /** Tells workers that wait after ramping (swipes) to start, all at once; `detail` goes with the signal. */
  go(detail?: Record<string, unknown>): void;
  /** Resolves once every worker has reported `{ type: 'phase', name }`. */
  phase(name: string): Promise<void>;
}

/** `items` cut into `workers` contiguous shares, as even as they divide (the last may be short). */
export function workerShares<T>(items: readonly T[], workers: number): T[][] {
  const perWorker = Math.ceil(items.length / workers);
  return Array.from({ length: workers }, (_, w) => items.slice(w * perWorker, (w + 1) * perWorker));
}

/** Runs each job in a load process of its own, apart from the nodes being measured. */
export function runWorkers(jobs: readonly LoadJob[]): WorkerRun {
  const children: ChildProcess[] = jobs.map(() => forkWithFullFileLimit(WORKER_ENTRY, { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  for (const child of children) cpuLedger.track('load', child.pid);
  onCleanup('load workers', async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });
  let rampedCount = 0;
  let connected = 0;
  let resolveRamped: (n: number) => void = () => {};
  let rejectRamped: (error: Error) => void = () => {};
  const ramped = new Promise<number>((resolve, reject) => {
    resolveRamped = resolve;
    rejectRamped = reject;
  });
  ramped.catch(() => undefined); // the same failure reaches `results`; a scenario that never awaits `ramped` must not crash
  const phases = new Map<string, { reported: number; done: Promise<void>; resolve(): void }>();
  const phaseEntry = (name: string) => {
    let entry = phases.get(name);
    if (!entry) {
      let resolve: () => void = () => {};
      const done = new Promise<void>((r) => (resolve = r));
      entry = { reported: 0, done, resolve };
      phases.set(name, entry);
    }
    return entry;
  };
  const results = Promise.all(
    children.map(
      (child, i) =>
        new Promise<LoadResult>((resolve, reject) => {
          child.on('message', (message: WorkerMessage) => {
            if (message.type === 'ramped') {
              connected += message.connected;
              if (++rampedCount === children.length) resolveRamped(connected);
            } else if (message.type === 'phase') {
              const entry = phaseEntry(message.name);
              if (++entry.reported === children.length) entry.resolve();
            } else {
              cpuLedger.sample(child.pid); // the worker exits once this message is sent
              resolve(message.result);
            }
          });
          child.once('exit', (code, signal) => {
            // A worker gone before ramping would otherwise leave the run waiting for it for ever.
            const error = new Error(`load worker ${i} exited with ${code ?? signal} before reporting`);
            rejectRamped(error);
            reject(error);
          });
          child.send(jobs[i]!);
        }),
    ),
  );
  results.catch(() => undefined); // awaited later; a worker killed meanwhile must not crash the run unhandled
  return {
    ramped,
    results,
    go: (detail = {}) => children.forEach((child) => child.send({ ...detail, type: 'go' })),
    // A worker gone fails the wait as it fails `results`.
    phase: (name) => Promise.race([phaseEntry(name).done, results.then(() => undefined)]),
  };
}
