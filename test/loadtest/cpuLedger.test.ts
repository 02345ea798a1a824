import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpuFigures, processCpuS, processTreeCpuS } from '../../loadtest/harness/cpuLedger';

/** A process that spins until it has used `seconds` of CPU (whatever else the machine runs), then runs `then`. */
const spinner = (seconds: number, then = '') => `const t = process.cpuUsage(); for (;;) { const u = process.cpuUsage(t); if (u.user + u.system >= ${seconds * 1e6}) break; } ${then}`;

describe('CPU ledger of a benchmark', () => {
  it("counts a server's children with it: one it has reaped, and one still running", async function () {
    // A parent that does nothing itself: its first child spins 0.3 s and exits (reaped), its second spins 0.3 s and stays.
    const parent = spawn(process.execPath, ['-e', `
      const { spawn } = require('node:child_process');
      spawn(process.execPath, ['-e', ${JSON.stringify(spinner(0.3))}], { stdio: 'ignore' }).on('exit', () => {
        const live = spawn(process.execPath, ['-e', ${JSON.stringify(spinner(0.3, 'process.stdout.write("spun"); setInterval(() => {}, 1000);'))}], { stdio: ['ignore', 'pipe', 'ignore'] });
        live.stdout.once('data', () => process.stdout.write('ready ' + live.pid + '\\n'));
      });
      setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let livePid: number | undefined;
    try {
      livePid = await new Promise<number>((resolve, reject) => {
        parent.stdout.on('data', (chunk: Buffer) => {
          const match = /ready (\d+)/.exec(chunk.toString());
          if (match) resolve(Number(match[1]));
        });
        parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
      });
      const own = processCpuS(parent.pid!)!;
      const tree = processTreeCpuS(parent.pid!)!;
      // Each child used 0.3 s; /proc counts in ticks of 10 ms, rounded down.
      assert.ok(tree - own >= 0.55, `tree ${tree} s, the parent's own ${own} s`);
      assert.ok(processCpuS(livePid)! >= 0.28, 'the live child spun');
    } finally {
      if (livePid !== undefined) process.kill(livePid, 'SIGKILL');
      parent.kill('SIGKILL');
    }
    assert.equal(processTreeCpuS(2 ** 22 + 1), undefined, 'no such process');
  });

  it('gives a figure a role, rounded, and 0 for a phase without operations', () => {
    const used = new Map([['node', 1.23456], ['postgres', 0.5]] as const);
    assert.deepEqual(cpuFigures(used, (role) => `${role}_cpu_s`, 1, 1), { node_cpu_s: 1.2, postgres_cpu_s: 0.5 });
    assert.deepEqual(cpuFigures(used, (role) => `${role}_cpu_us_per_op`, 1e6 / 1000, 0), { node_cpu_us_per_op: 1235, postgres_cpu_us_per_op: 500 });
    assert.deepEqual(cpuFigures(used, (role) => `${role}_per_op`, 1e6 / 0, 0), { node_per_op: 0, postgres_per_op: 0 });
  });
});
