import type { Presence } from '@colyseus/core';
import { LRUCache } from 'lru-cache';
import type { ConnectedDevices } from '../../rooms/roomServices';
import { processChannel } from '../cluster/processChannel';

const KEY = 'kismet:devices:';
/** How long a node's answer to "is anyone listening on its process channel" is trusted. */
const LISTENING_TTL_MS = 1_000;
/** Answers about this many nodes at most are kept (node ids change at every restart). */
const LISTENING_KEPT = 256;

/** Whether a node still listens on its process channel. */
export type NodeListening = (nodeId: string) => Promise<boolean>;

/**
 * How long a user's entries outlive the last connection of any of their devices
 * in a cluster's Redis: a week. A node killed without a goodbye leaves its
 * entries there (they count for nothing once it stops listening), and a device
 * that never comes back would keep its entry for good; a connection that stayed
 * open longer than this would count as gone, and its device would get a push too.
 */
export const CLUSTER_ENTRY_TTL_S = 7 * 24 * 3600;

export interface ConnectedDevicesOptions {
  /** A cluster's way to ask whether a node listens; by default the presence is asked for the channel. */
  readonly nodeListening?: NodeListening;
  /** Set in a cluster: each connection renews the user's entries for this long. */
  readonly entryTtlS?: number;
}

/**
 * The devices connected to their sessions, in the cluster's presence (Redis in a
 * cluster, this process alone on one node): a hash per user, device → the node
 * holding its connection. A node killed without a goodbye leaves its entries
 * behind; they count only while that node still listens on its Colyseus process
 * channel (`p:<nodeId>`), which Redis drops with the node's connection. A cluster
 * asks that of the one node an entry names (`processChannelListeners`); the
 * default asks the presence for the channel, which only the in-process presence
 * of a single node answers cheaply.
 */
export class PresenceConnectedDevices implements ConnectedDevices {
  /** Each node's answer, kept a second; asked once for callers that come meanwhile, and a failed question is not kept. */
  private readonly listening: LRUCache<string, boolean>;

  private readonly entryTtlS: number | undefined;

  constructor(
    private readonly presence: Presence,
    private readonly nodeId: () => string,
    options: ConnectedDevicesOptions = {},
  ) {
    const nodeListening = options.nodeListening ?? (async (id: string) => (await presence.channels(processChannel(id))).includes(processChannel(id)));
    this.entryTtlS = options.entryTtlS;
    this.listening = new LRUCache<string, boolean>({ max: LISTENING_KEPT, ttl: LISTENING_TTL_MS, fetchMethod: (node) => nodeListening(node) });
  }

  async connected(userId: string, deviceId: string): Promise<void> {
    const stored = this.presence.hset(KEY + userId, deviceId, this.nodeId());
    // Sent with the write, in the same pipeline: no round trip of its own.
    await (this.entryTtlS === undefined ? stored : Promise.all([stored, this.presence.expire(KEY + userId, this.entryTtlS)]));
  }

  async disconnected(userId: string, deviceId: string): Promise<void> {
    await this.presence.hdel(KEY + userId, deviceId);
  }

  /** Whether the device holds a connection on a live node now. */
  async isConnected(userId: string, deviceId: string): Promise<boolean> {
    const node = await this.presence.hget(KEY + userId, deviceId);
    if (!node) return false;
    if (node === this.nodeId()) return true;
    return (await this.listening.fetch(node)) === true;
  }
}
