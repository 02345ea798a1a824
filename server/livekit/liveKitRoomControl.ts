import { RoomServiceClient } from 'livekit-server-sdk';
import { CALL_MEDIA_ROOM } from '../../domain/callState';
import { MEDIA_GRANTS, type MediaRole } from '../../domain/mediaRoles';
import type { MediaRoomControl } from '../../services/calls';
import type { Logger } from '../logger';

/**
 * Changes what people already in a LiveKit room may do, through the server's room
 * service: a new token only takes effect on the next join. Someone not connected to
 * the media room (yet) is refused by LiveKit; that, like an unreachable server, is
 * logged and the command that asked goes on.
 */
export class LiveKitRoomControl implements MediaRoomControl {
  private readonly client: RoomServiceClient;

  constructor(
    url: string,
    apiKey: string,
    apiSecret: string,
    private readonly logger: Logger,
  ) {
    this.client = new RoomServiceClient(url.replace(/^ws/, 'http'), apiKey, apiSecret);
  }

  open(room: string): Promise<void> {
    return this.attempt('create room', { room }, async () => {
      await this.client.createRoom({ name: room, emptyTimeout: CALL_MEDIA_ROOM.emptyTimeoutS, departureTimeout: CALL_MEDIA_ROOM.departureTimeoutS });
    });
  }

  setRole(room: string, identity: string, role: MediaRole): Promise<void> {
    return this.attempt('update participant', { room, identity }, async () => {
      await this.client.updateParticipant(room, identity, undefined, { ...MEDIA_GRANTS[role] });
    });
  }

  muteAll(room: string, identity: string): Promise<void> {
    return this.attempt('mute participant', { room, identity }, async () => {
      const participant = await this.client.getParticipant(room, identity);
      await Promise.all(participant.tracks.map((track) => this.client.mutePublishedTrack(room, identity, track.sid, true)));
    });
  }

  remove(room: string, identity: string): Promise<void> {
    return this.attempt('remove participant', { room, identity }, () => this.client.removeParticipant(room, identity));
  }

  close(room: string): Promise<void> {
    return this.attempt('close room', { room }, () => this.client.deleteRoom(room));
  }

  private async attempt(what: string, context: Record<string, string>, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.logger.warn({ err: error, ...context }, `LiveKit: ${what} failed`);
    }
  }
}
