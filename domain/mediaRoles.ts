/**
 * What each kind of participant may do in a LiveKit room: a 1:1 call and an
 * event's stage publish; an event's audience only listens and watches, and is
 * hidden: LiveKit lists every visible participant (identity = user id) to every
 * other, and who attends an event is for its hosts only (its attendance roster).
 * The same grant goes to the room service on a promotion or demotion, so someone
 * brought on stage becomes visible and is hidden again when sent back.
 */
export type MediaRole = 'call' | 'stage' | 'audience';

export interface MediaGrant {
  readonly canPublish: boolean;
  readonly canSubscribe: boolean;
  readonly canPublishData: boolean;
  /** Not listed to the room's other participants. */
  readonly hidden: boolean;
}

export const MEDIA_GRANTS: Readonly<Record<MediaRole, MediaGrant>> = {
  call: { canPublish: true, canSubscribe: true, canPublishData: true, hidden: false },
  stage: { canPublish: true, canSubscribe: true, canPublishData: true, hidden: false },
  audience: { canPublish: false, canSubscribe: true, canPublishData: false, hidden: true },
};

/** Media tokens are short-lived: enough to join, not to keep. */
export const MEDIA_TOKEN_TTL_S = 10 * 60;
