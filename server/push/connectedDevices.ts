import type { Presence } from '@colyseus/core';
import type { ConnectedDevices } from '../../rooms/roomServices';

const KEY = 'kismet:devices:';
/** How long the list of live nodes is trusted. */
const LIVE_NODES_TTL_MS = 1_000;

/**
 * The devices connected to their sessions, in the cluster's presence (Redis in a
 * cluster, this process alone on one node): a hash per user, device → the node
 * holding its connection. A node killed without a goodbye leaves its entries
 * behind; they count only while that node still listens on its Colyseus process
 * channel (`p:<nodeId>`), which Redis drops with the node's connection.
 */
export class PresenceConnectedDevices implements ConnectedDevices {
  private liveNodes: { readonly at: number; readonly ids: Promise<Set<string>> } | undefined;

  constructor(
    private readonly presence: Presence,
    private readonly nodeId: () => string,
  ) {}

  async connected(userId: string, deviceId: string): Promise<void> {
    await this.presence.hset(KEY + userId, deviceId, this.nodeId());
  }

  async disconnected(userId: string, deviceId: string): Promise<void> {
    await this.presence.hdel(KEY + userId, deviceId);
  }

  /** Whether the device holds a connection on a live node now. */
  async isConnected(userId: string, deviceId: string): Promise<boolean> {
    const node = await this.presence.hget(KEY + userId, deviceId);
    if (!node) return false;
    if (node === this.nodeId()) return true;
    return (await this.nodesAlive()).has(node);
  }

  private nodesAlive(): Promise<Set<string>> {
    const now = Date.now();
    if (!this.liveNodes || now - this.liveNodes.at > LIVE_NODES_TTL_MS) {
      const ids = Promise.resolve(this.presence.channels('p:*')).then((channels) => new Set(channels.map((c) => c.substring(2))));
      this.liveNodes = { at: now, ids };
      ids.catch(() => (this.liveNodes = undefined));
    }
    return this.liveNodes.ids;
  }
}
