export type PresenceStatus = 'online' | 'away' | 'offline';

/** A device connecting makes an offline user online; an away user stays away until they say otherwise. */
export function presenceOnConnect(current: PresenceStatus): PresenceStatus {
  return current === 'offline' ? 'online' : current;
}

/** The user goes offline when their last device leaves. */
export function presenceAfterDisconnect(current: PresenceStatus, devicesLeft: number): PresenceStatus {
  return devicesLeft > 0 ? current : 'offline';
}
