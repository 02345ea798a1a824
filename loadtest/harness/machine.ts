import fs from 'node:fs';
import os from 'node:os';
import { sampleValue } from './metricsText';

export function machineInfo(): { cpu_model: string; cores: number; total_mem_gb: number; node: string } {
  return {
    cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    total_mem_gb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/**
 * Connections the kernel dropped because a listening socket's accept queue was
 * full (`TcpExt: ListenOverflows` of /proc/net/netstat, this network namespace,
 * since boot); undefined where there is no such file. A client whose connection
 * was dropped tries again after a second: a burst of joins that outruns a
 * node's accepts shows as a second or more on those joins.
 */
export function listenOverflows(): number | undefined {
  try {
    const lines = fs.readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((line) => line.startsWith('TcpExt:'));
    const [names, values] = lines.map((line) => line.split(/\s+/).slice(1));
    const at = names?.indexOf('ListenOverflows') ?? -1;
    return at < 0 || values?.[at] === undefined ? undefined : Number(values[at]);
  } catch {
    return undefined;
  }
}

/** Fields 3 on of /proc/<pid>/stat (index 0 is the state, 1 the parent's pid); undefined once the process is gone. */
export function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
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

/**
 * The V8 heap of every node together, in MB, as each node's /metrics reports it:
 * `used` is what objects take, live or not yet collected; `committed` what V8
 * holds for the heap. Beside RSS they tell live memory from garbage and headroom.
 */
export async function nodesHeapMb(nodes: ReadonlyArray<{ readonly url: string }>): Promise<{ used: number; committed: number }> {
  const sums = { used: 0, committed: 0 };
  await Promise.all(
    nodes.map(async (node) => {
      const text = await (await fetch(`${node.url}/metrics`)).text();
      const read = (name: string) => sampleValue(text, name) / 2 ** 20;
      sums.used += read('kismet_process_nodejs_heap_size_used_bytes');
      sums.committed += read('kismet_process_nodejs_heap_size_total_bytes');
    }),
  );
  return sums;
}
