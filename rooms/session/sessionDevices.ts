import type { Client } from '@colyseus/core';
import { listEventsAfter, type StoredUserEvent } from '../../db/repositories/eventRepository';
import { bodyOf } from '../../domain/userEvents';
import { SessionEventType, type DeviceInfo, type UserEventMessage } from '../../contracts/session';
import { roomServices } from '../roomServices';
import { DeviceEventFeed } from './deviceEventFeed';

interface Device {
  readonly info: DeviceInfo;
  readonly feed: DeviceEventFeed;
}

/** The devices of a user connected to their session now, each with its own feed of the user's stored events. */
export class SessionDevices {
  private readonly devices = new Map<string, Device>(); // by Colyseus sessionId

  constructor(private readonly userId: string) {}

  get size(): number {
    return this.devices.size;
  }

  /**
   * A device joins. Its feed holds live events from now on; it delivers once
   * started from the device's position in the stream.
   */
  add(client: Client, deviceId: string): DeviceEventFeed {
    const services = roomServices();
    const feed = new DeviceEventFeed(
      { fetchAfter: (afterSeq, limit) => listEventsAfter(services.db, this.userId, afterSeq, limit) },
      (event) => sendEvent(client, event),
      (error) => {
        services.logger.error({ err: error, userId: this.userId }, 'event feed failed; the device reconnects and resumes');
        client.leave();
      },
    );
    this.devices.set(client.sessionId, { info: { deviceId, connectedAt: services.now().getTime() }, feed });
    this.track('connected', deviceId);
    return feed;
  }

  /** A device leaves; false for a client that never was one (a join onJoin refused). */
  remove(client: Client): boolean {
    const device = this.devices.get(client.sessionId);
    device?.feed.close();
    const removed = this.devices.delete(client.sessionId);
    // The same device may hold a second connection (a reconnect overlapping the old one).
    if (device && ![...this.devices.values()].some((d) => d.info.deviceId === device.info.deviceId)) this.track('disconnected', device.info.deviceId);
    return removed;
  }

  /** Pushes skip a device while it is connected; a failure to say so costs at most a push too many or too few. */
  private track(change: 'connected' | 'disconnected', deviceId: string): void {
    const { connectedDevices, logger } = roomServices();
    connectedDevices[change](this.userId, deviceId).catch((error: unknown) =>
      logger.warn({ err: error, userId: this.userId, deviceId }, `could not record the device as ${change} for pushes`),
    );
  }

  feedOf(client: Client): { readonly deviceId: string; readonly feed: DeviceEventFeed } | undefined {
    const device = this.devices.get(client.sessionId);
    return device && { deviceId: device.info.deviceId, feed: device.feed };
  }

  /** A stored event for every device, each in its stream order. */
  offer(event: StoredUserEvent): void {
    for (const device of this.devices.values()) device.feed.offer(event);
  }

  /** Events published while this node could not hear them: each device reads what storage holds past what it was sent. */
  catchUp(): void {
    for (const device of this.devices.values()) device.feed.catchUp();
  }

  list(): DeviceInfo[] {
    return [...this.devices.values()].map((d) => d.info);
  }
}

function sendEvent(client: Client, event: StoredUserEvent): void {
  const message: UserEventMessage = { ...bodyOf(event), seq: event.seq, at: event.at };
  client.send(SessionEventType.EVENT, message);
  roomServices().metrics.messagesOut.inc({ kind: 'session', type: SessionEventType.EVENT });
}
