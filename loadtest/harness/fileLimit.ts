import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';

/**
 * Forks a Node script whose soft limit of open files is raised to the hard one
 * first: every connection is a descriptor, and a soft limit below the hard one
 * (1,024 on many systems) would cap a node or a load process long before the
 * machine does. A shell sets the limit and execs Node, which keeps the IPC channel
 * `fork` would give (Node cannot change its own limits).
 */
export function forkWithFullFileLimit(
  script: string,
  options: { readonly stdio: StdioOptions; readonly env?: NodeJS.ProcessEnv; readonly execArgv?: readonly string[] },
): ChildProcess {
  return spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', process.execPath, ...(options.execArgv ?? []), script], {
    stdio: options.stdio,
    env: options.env ?? process.env,
  });
}

/** The soft and hard limits of open files of a running process, from /proc (undefined where unknown or unlimited). */
export function openFileLimits(pid: number | 'self' = 'self'): { soft?: number; hard?: number } {
  try {
    const line = /Max open files\s+(\S+)\s+(\S+)/.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
    const parse = (value: string | undefined) => (value === undefined || value === 'unlimited' ? undefined : Number(value));
    return { soft: parse(line?.[1]), hard: parse(line?.[2]) };
  } catch {
    return {};
  }
}

/** Descriptors a node keeps for itself besides its clients' sockets (Postgres, Redis, files, listeners). */
const NODE_SPARE_DESCRIPTORS = 500;
/** Outgoing ports from one address to one destination port (net.ipv4.ip_local_port_range). */
function ephemeralPorts(): number {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return high! - low! + 1;
  } catch {
    return 28_232;
  }
}

/**
 * Refuses, before anything starts, a run whose connections cannot fit: each node
 * holds about users / nodes sockets, under its descriptor limit and under the
 * outgoing ports one address has towards one port.
 */
export function checkConnectionsFit(users: number, nodes: number): void {
  const perNode = Math.ceil(users / nodes);
  const hard = openFileLimits().hard;
  if (hard !== undefined && perNode > hard - NODE_SPARE_DESCRIPTORS) {
    throw new Error(`${users} users on ${nodes} nodes is ${perNode} connections per node, over its limit of ${hard} open files: use more --nodes`);
  }
  if (perNode > ephemeralPorts()) throw new Error(`${perNode} connections per node is more than the ${ephemeralPorts()} outgoing ports 127.0.0.1 has towards one port: use more --nodes`);
}
