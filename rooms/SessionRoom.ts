import { Room, type AuthContext, type Client } from '@colyseus/core';
import { AppError, ErrorCode } from '../domain/errors';
import { presenceAfterDisconnect, presenceOnConnect, type PresenceStatus } from '../domain/presence';
import { updatePresence } from '../db/repositories/userRepository';
import { actorRoomId } from './actorIdentity';
import { mountCommands } from './commandRouter';
import {
  SessionCommands,
  SessionEventType,
  SessionJoinOptions,
  type DeviceInfo,
  type DevicesChangedMessage,
  type SessionReadyMessage,
} from './contracts/sessionContracts';
import { roomServices } from './roomServices';

interface SessionAuth {
  readonly userId: string;
  readonly deviceId: string;
}

/**
 * `session:<userId>`: the one actor of a user, joined by every device of theirs.
 * Holds which devices are online and the user's presence.
 */
export class SessionRoom extends Room {
  private userId = '';
  private presenceStatus: PresenceStatus = 'offline';
  private readonly devices = new Map<string, DeviceInfo>(); // by Colyseus sessionId

  /** Runs in matchmaking, before any actor exists: nobody creates or joins a session that is not theirs. */
  static override async onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<SessionAuth> {
    const claims = await roomServices().accessTokens.verify(token);
    const options = SessionJoinOptions.safeParse(rawOptions);
    if (!options.success) {
      throw new AppError(ErrorCode.INVALID_ROOM_OPTIONS, options.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
    if (options.data.userId !== claims.userId) {
      throw new AppError(ErrorCode.NOT_YOUR_SESSION, 'a user can join only their own session');
    }
    return { userId: claims.userId, deviceId: options.data.deviceId };
  }

  override onCreate(options: { userId: string }): void {
    this.userId = options.userId;
    this.roomId = actorRoomId('session', options.userId);
    this.maxClients = Number.POSITIVE_INFINITY;
    const services = roomServices();
    services.metrics.rooms.inc({ kind: 'session' });

    mountCommands(this, 'session', services, SessionCommands, {
      heartbeat: () => ({ serverTime: services.now().getTime() }),
      'presence.set': async (_client, payload) => {
        await this.changePresence(payload.status);
        return { presence: this.presenceStatus };
      },
    });
  }

  override async onJoin(client: Client, _options: unknown, auth: SessionAuth): Promise<void> {
    const services = roomServices();
    services.metrics.connections.inc();
    this.devices.set(client.sessionId, { deviceId: auth.deviceId, connectedAt: services.now().getTime() });
    await this.changePresence(presenceOnConnect(this.presenceStatus));
    const ready: SessionReadyMessage = {
      userId: this.userId,
      deviceId: auth.deviceId,
      presence: this.presenceStatus,
      devices: [...this.devices.values()],
      node: services.nodeId(),
    };
    client.send(SessionEventType.READY, ready);
    this.broadcastDevices(client);
  }

  override async onLeave(client: Client): Promise<void> {
    const services = roomServices();
    services.metrics.connections.dec();
    this.devices.delete(client.sessionId);
    await this.changePresence(presenceAfterDisconnect(this.presenceStatus, this.devices.size));
    this.broadcastDevices();
  }

  override onDispose(): void {
    roomServices().metrics.rooms.dec({ kind: 'session' });
  }

  private async changePresence(next: PresenceStatus): Promise<void> {
    if (next === this.presenceStatus) return;
    this.presenceStatus = next;
    const services = roomServices();
    await updatePresence(services.db, this.userId, next, services.now());
  }

  private broadcastDevices(except?: Client): void {
    const message: DevicesChangedMessage = { devices: [...this.devices.values()] };
    this.broadcast(SessionEventType.DEVICES_CHANGED, message, except ? { except } : undefined);
  }
}
