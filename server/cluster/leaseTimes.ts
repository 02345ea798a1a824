/** How long a node's lease lives, and how long its main thread may stall before its process is ended (see ClusterLease). */

/**
 * A node's lease outlives the moment it fences itself (1¼ STALE_NODE_TIMEOUT_MS without
 * Redis, clusterLease.ts), so no sweep removes its actors before it stopped serving them.
 */
const LEASE_LIFETIME = 3 / 2;
/**
 * A main thread not seen turning for this many STALE_NODE_TIMEOUT_MS, and for
 * MIN_STUCK_MS at least, is stuck, not merely slow: the renewal thread ends the
 * process (leaseRenewalWorker.ts), and the others take its actors as a dead node's.
 * The floor because a main thread's pause is its process's and its machine's (a
 * collection, a core it waits for), not the cluster's: a short timeout chosen for
 * quick failover must not end a node at every long pause.
 */
const MAX_STALL = 5;
const MIN_STUCK_MS = 10_000;

/** How long a node's main thread may go without turning before its process is ended. */
export function stuckAfterMs(staleNodeTimeoutMs: number): number {
  return Math.max(staleNodeTimeoutMs * MAX_STALL, MIN_STUCK_MS);
}

/** How long a node's lease lives after its last renewal. */
export function leaseLifetimeMs(staleNodeTimeoutMs: number): number {
  return Math.ceil(staleNodeTimeoutMs * LEASE_LIFETIME);
}
