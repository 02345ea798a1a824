import fs from 'node:fs';
import os from 'node:os';
import { statFields } from './machine';

/** Linux counts process CPU in clock ticks of 1/100 s (USER_HZ) in /proc/<pid>/stat. */
const TICKS_PER_S = 100;

/** CPU seconds (user + system) a live process has used, from /proc; undefined once it is gone. */
export function processCpuS(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S : undefined;
}

/**
 * CPU seconds a server process and its children have used: its own, its
 * children's that it has reaped, and its live children's. Postgres serves each
 * connection from a child of its postmaster, and a run's connections end
 * before its report; undefined once the server is gone.
 */
export function processTreeCpuS(pid: number): number | undefined {
  const fields = statFields(pid);
  if (!fields) return undefined;
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  let children: string[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
  } catch {
    // A kernel without the children list: the live children's share is left out.
  }
  for (const child of children) {
    const own = statFields(Number(child));
    if (own) ticks += Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  }
  return ticks / TICKS_PER_S;
}

/** The Kismet nodes, the load processes, and the Postgres and Redis servers when they run on this machine. */
export type CpuRole = 'node' | 'load' | 'postgres' | 'redis';
const SERVICES: readonly CpuRole[] = ['postgres', 'redis'];

/**
 * Who used the machine's CPU during a benchmark: the Kismet nodes measured,
 * the load processes (the workers and this process, which runs stand-ins
 * and seeding), and Postgres and Redis when they share the machine. A report
 * states each, so a tail that comes from the load generator or a service
 * starving the nodes is visible as such.
 */
class CpuLedger {
  private readonly startedMs = Date.now();
  private readonly ownStart = process.cpuUsage();
  private readonly tracked = new Map<number, { role: CpuRole; read: (pid: number) => number | undefined; firstS: number; lastS: number }>();

  /** Starts counting a process (a service with its children); its CPU before now is not the run's. */
  track(role: CpuRole, pid: number | undefined): void {
    if (pid === undefined || this.tracked.has(pid)) return;
    const read = SERVICES.includes(role) ? processTreeCpuS : processCpuS;
    const now = read(pid) ?? 0;
    this.tracked.set(pid, { role, read, firstS: now, lastS: now });
  }

  /** Reads a tracked process again: call it before it exits (a worker as it reports). */
  sample(pid: number | undefined): void {
    const entry = pid === undefined ? undefined : this.tracked.get(pid);
    const now = entry && pid !== undefined ? entry.read(pid) : undefined;
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

  /**
   * The CPU seconds so far of the nodes, the load processes (those started
   * later count from their start) and each service tracked: `since` turns it
   * into a phase's.
   */
  snapshot(): Map<CpuRole, number> {
    const roles = new Set<CpuRole>(['node', 'load', ...[...this.tracked.values()].map((entry) => entry.role)]);
    return new Map([...roles].map((role) => [role, this.cpuNowS(role)]));
  }

  /** CPU seconds each role of `before` has used since it was taken: a phase's cost to the nodes, the load and each service. */
  since(before: Map<CpuRole, number>): Map<CpuRole, number> {
    return new Map([...before].map(([role, startS]) => [role, this.cpuNowS(role) - startS]));
  }

  /** CPU seconds and shares of the machine (1 = every core for the whole run) since this process started. */
  report(): Record<string, number> {
    for (const pid of this.tracked.keys()) this.sample(pid);
    const own = process.cpuUsage(this.ownStart);
    const sums: Record<CpuRole, number> = { node: 0, load: (own.user + own.system) / 1e6, postgres: 0, redis: 0 };
    const roles = new Set<CpuRole>(['node', 'load']);
    for (const entry of this.tracked.values()) {
      sums[entry.role] += entry.lastS - entry.firstS;
      roles.add(entry.role);
    }
    const machineS = ((Date.now() - this.startedMs) / 1000) * os.cpus().length;
    const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
    const figures: Record<string, number> = {};
    for (const role of roles) {
      figures[`${role}_cpu_s`] = round(sums[role], 1);
      figures[`${role}_cpu_share`] = round(sums[role] / machineS, 3);
    }
    return { ...figures, loadavg_1m: round(os.loadavg()[0] ?? 0, 2) };
  }
}

export const cpuLedger = new CpuLedger();

/**
 * A phase's CPU (`cpuLedger.since`) as report figures, one a role under
 * `key(role)`: `scale` 1 for seconds in all, 1e6 / ops for µs an operation.
 */
export function cpuFigures(used: Map<CpuRole, number>, key: (role: CpuRole) => string, scale: number, places: number): Record<string, number> {
  const factor = 10 ** places;
  return Object.fromEntries([...used].map(([role, usedS]) => [key(role), Number.isFinite(scale) ? Math.round(usedS * scale * factor) / factor : 0]));
}
