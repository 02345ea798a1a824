import fs from 'node:fs';
import os from 'node:os';

/** Linux counts process CPU in clock ticks of 1/100 s (USER_HZ) in /proc/<pid>/stat. */
const TICKS_PER_S = 100;

/** CPU seconds (user + system) a live process has used, from /proc; undefined once it is gone. */
export function processCpuS(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

export type CpuRole = 'node' | 'load';

/**
 * Who used the machine's CPU during a benchmark: the Kismet nodes measured,
 * and the load processes (the workers and this process, which runs stand-ins
 * and seeding). A report states both, so a tail that comes from the load
 * generator starving the nodes is visible as such.
 */
class CpuLedger {
  private readonly startedMs = Date.now();
  private readonly ownStart = process.cpuUsage();
  private readonly tracked = new Map<number, { role: CpuRole; firstS: number; lastS: number }>();

  /** Starts counting a child process; its CPU before now is not the run's. */
  track(role: CpuRole, pid: number | undefined): void {
    if (pid === undefined) return;
    const now = processCpuS(pid) ?? 0;
    this.tracked.set(pid, { role, firstS: now, lastS: now });
  }

  /** Reads a tracked process again: call it before it exits (a worker as it reports). */
  sample(pid: number | undefined): void {
    const entry = pid === undefined ? undefined : this.tracked.get(pid);
    const now = pid === undefined ? undefined : processCpuS(pid);
    if (entry && now !== undefined) entry.lastS = now;
  }

  /** CPU seconds every tracked process of `role` has used since tracked, read now: a phase's cost is the difference of two reads. */
  cpuNowS(role: CpuRole): number {
    let sum = 0;
    for (const [pid, entry] of this.tracked) {
      if (entry.role !== role) continue;
      this.sample(pid);
      sum += entry.lastS - entry.firstS;
    }
    return sum;
  }

  /** CPU seconds and shares of the machine (1 = every core for the whole run) since this process started. */
  report(): Record<string, number> {
    for (const pid of this.tracked.keys()) this.sample(pid);
    const own = process.cpuUsage(this.ownStart);
    const sums: Record<CpuRole, number> = { node: 0, load: (own.user + own.system) / 1e6 };
    for (const entry of this.tracked.values()) sums[entry.role] += entry.lastS - entry.firstS;
    const machineS = ((Date.now() - this.startedMs) / 1000) * os.cpus().length;
    const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
    return {
      node_cpu_s: round(sums.node, 1),
      load_cpu_s: round(sums.load, 1),
      node_cpu_share: round(sums.node / machineS, 3),
      load_cpu_share: round(sums.load / machineS, 3),
      loadavg_1m: round(os.loadavg()[0] ?? 0, 2),
    };
  }
}

export const cpuLedger = new CpuLedger();
