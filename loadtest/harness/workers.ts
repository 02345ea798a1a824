import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { LoadJob, LoadResult, WorkerMessage } from '../jobs';
import { onCleanup } from './cleanup';
import { cpuLedger } from './cpuLedger';

const WORKER_ENTRY = path.resolve(__dirname, '../worker.js');

export interface WorkerRun {
  /** Resolves when every worker has finished connecting (connections scenario). */
  readonly ramped: Promise<number>;
  readonly results: Promise<LoadResult[]>;
  /** Tells workers that wait after ramping (swipes) to start, all at once. */
  go(): void;
}

/** `items` cut into `workers` contiguous shares, as even as they divide (the last may be short). */
export function workerShares<T>(items: readonly T[], workers: number): T[][] {
  const perWorker = Math.ceil(items.length / workers);
  return Array.from({ length: workers }, (_, w) => items.slice(w * perWorker, (w + 1) * perWorker));
}

/** Runs each job in a load process of its own, apart from the nodes being measured. */
export function runWorkers(jobs: readonly LoadJob[]): WorkerRun {
  const children: ChildProcess[] = jobs.map(() => fork(WORKER_ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
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
  const results = Promise.all(
    children.map(
      (child, i) =>
        new Promise<LoadResult>((resolve, reject) => {
          child.on('message', (message: WorkerMessage) => {
            if (message.type === 'ramped') {
              connected += message.connected;
              if (++rampedCount === children.length) resolveRamped(connected);
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
  return { ramped, results, go: () => children.forEach((child) => child.send({ type: 'go' })) };
}
