import type { LiveEventRole } from '../../domain/liveEventRules';
import type { MediaRoomControl } from '../../services/calls';
import type { EventAliases } from '../../services/eventAliases';
import { roomServices } from '../roomServices';

/**
 * One live event's LiveKit side: its room, tokens for each role, and the room service where there is one.
 * LiveKit shows a participant's identity to everyone they are visible to, so each person is there by their
 * alias in the event, never by user id.
 */
export class EventMedia {
  readonly room: string;

  constructor(
    eventId: string,
    private readonly aliases: EventAliases,
  ) {
    this.room = `event-${eventId}`;
  }

  /** Who the person is in the event's media rooms: their alias in it. */
  identity(userId: string): string {
    return this.aliases.of(userId);
  }

  /** Hosts and speakers publish on the stage; the audience only subscribes. */
  tokenFor(userId: string, role: LiveEventRole, room = this.room): Promise<string> {
    return roomServices().calls.tokens.mint(room, this.identity(userId), role === 'audience' ? 'audience' : 'stage');
  }

  /** A 1:1 room's token: both publish. */
  callToken(room: string, userId: string): Promise<string> {
    return roomServices().calls.tokens.mint(room, this.identity(userId), 'call');
  }

  /** Runs a change on the LiveKit server when one is configured (best effort: the control logs its failures). */
  async onServer(change: (control: MediaRoomControl) => Promise<void>): Promise<void> {
    const control = roomServices().calls.roomControl;
    if (control) await change(control);
  }
}
