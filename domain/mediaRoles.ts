/**
 * What each kind of participant may do in a LiveKit room: a 1:1 call and an
 * event's stage publish; an event's audience only listens and watches.
 */
export type MediaRole = 'call' | 'stage' | 'audience';

export interface MediaGrant {
  readonly canPublish: boolean;
  readonly canSubscribe: boolean;
  readonly canPublishData: boolean;
}

export const MEDIA_GRANTS: Readonly<Record<MediaRole, MediaGrant>> = {
  call: { canPublish: true, canSubscribe: true, canPublishData: true },
  stage: { canPublish: true, canSubscribe: true, canPublishData: true },
  audience: { canPublish: false, canSubscribe: true, canPublishData: false },
};

/** Media tokens are short-lived: enough to join, not to keep. */
export const MEDIA_TOKEN_TTL_S = 10 * 60;
