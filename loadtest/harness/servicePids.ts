import fs from 'node:fs';
import type { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';
import { statFields } from './machine';

/** The process's name (/proc/<pid>/comm), or undefined when there is no such process here. */
function commandName(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[1]) : undefined;
}

/** Loopback or a Unix socket (no address): the server runs on this machine, so a pid it names is a pid here. */
function isLocalAddress(address: string | null | undefined): boolean {
  return !address || address === '::1' || address.startsWith('127.') || address === 'localhost';
}

/**
 * The postmaster serving `url`, when Postgres runs on this machine: the parent
 * of the backend answering a connection. Undefined for a remote server.
 */
export async function postgresServerPid(url: string): Promise<number | undefined> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; address: string | null }>('select pg_backend_pid() as pid, host(inet_server_addr()) as address');
    const backend = rows[0];
    if (!backend || !isLocalAddress(backend.address) || commandName(backend.pid) !== 'postgres') return undefined;
    const postmaster = parentPid(backend.pid);
    return postmaster !== undefined && commandName(postmaster) === 'postgres' ? postmaster : undefined;
  } finally {
    await client.end();
  }
}

/** The Redis server behind `redis`, when it runs on this machine (`INFO server` names its pid). */
export async function redisServerPid(redis: Redis): Promise<number | undefined> {
  if (!isLocalAddress(redis.options.host) && redis.options.path === undefined) return undefined;
  const pid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
  return Number.isInteger(pid) && commandName(pid)?.startsWith('redis-server') ? pid : undefined;
}
