import { fork } from 'node:child_process';
import path from 'node:path';
import type { EchoJob } from '../jobs';
import { onCleanup } from '../harness/cleanup';
import { mergeEncoded, percentiles } from '../harness/histogram';
import { rssMb } from '../harness/machine';
import { freePortCandidate } from '../harness/nodeProcess';
import { runWorkers } from '../harness/workers';

export interface EchoOptions {
  readonly connections: number;
  readonly ratePerS: number;
  readonly durationS: number;
  readonly workers: number;
}

/** The bare uWebSockets.js echo server and the same client: this machine's ceiling. */
export async function runEchoBaseline(options: EchoOptions): Promise<Record<string, number | string>> {
  const port = freePortCandidate();
  const server = fork(path.resolve(__dirname, '../echoServer.js'), [], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  onCleanup('echo server', async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('message', () => resolve());
    server.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
  const jobs: EchoJob[] = Array.from({ length: options.workers }, () => ({
    kind: 'echo',
    url: `ws://127.0.0.1:${port}/`,
    connections: Math.max(1, Math.floor(options.connections / options.workers)),
    ratePerS: options.ratePerS / options.workers,
    durationS: options.durationS,
  }));
  const { results } = runWorkers(jobs);
  const done = await results;
  const rss = rssMb(server.pid!);
  const elapsedS = Math.max(...done.map((r) => r.counters['elapsedS'] ?? options.durationS));
  const ops = done.reduce((sum, r) => sum + r.ops, 0);
  return {
    ops_per_s: Math.round(ops / elapsedS),
    ...percentiles('rtt', mergeEncoded(done.map((r) => r.histograms['rtt']!))),
    errors: done.reduce((sum, r) => sum + r.errors, 0),
    server_rss_mb: Math.round(rss),
    connections: jobs.reduce((sum, j) => sum + j.connections, 0),
    offered_rate_per_s: options.ratePerS,
  };
}
