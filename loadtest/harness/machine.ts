import fs from 'node:fs';
import os from 'node:os';

export function machineInfo(): { cpu_model: string; cores: number; total_mem_gb: number; node: string } {
  return {
    cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    total_mem_gb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Resident set size of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** Resident set size of every node process, together, in MB. */
export function nodesRssMb(nodes: ReadonlyArray<{ readonly child: { readonly pid?: number | undefined } }>): number {
  return nodes.reduce((sum, n) => sum + rssMb(n.child.pid!), 0);
}
