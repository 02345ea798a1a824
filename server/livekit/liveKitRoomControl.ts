import { RoomServiceClient } from 'livekit-server-sdk';
import { MEDIA_GRANTS, type MediaRole } from '../../domain/mediaRoles';
import type { MediaRoomControl } from '../../rooms/callCommands';

/**
 * Changes what a participant already in a LiveKit room may do, through the
 * server's room service: a new token only takes effect on the next join.
 */
export class LiveKitRoomControl implements MediaRoomControl {
  private readonly client: RoomServiceClient;

  constructor(url: string, apiKey: string, apiSecret: string) {
    this.client = new RoomServiceClient(url.replace(/^ws/, 'http'), apiKey, apiSecret);
  }

  async setRole(room: string, identity: string, role: MediaRole): Promise<void> {
    await this.client.updateParticipant(room, identity, undefined, { ...MEDIA_GRANTS[role] });
  }

  async muteAll(room: string, identity: string): Promise<void> {
    const participant = await this.client.getParticipant(room, identity);
    await Promise.all(participant.tracks.map((track) => this.client.mutePublishedTrack(room, identity, track.sid, true)));
  }
}
