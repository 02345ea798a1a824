import { AccessToken } from 'livekit-server-sdk';
import { MEDIA_GRANTS, MEDIA_TOKEN_TTL_S, type MediaRole } from '../../domain/mediaRoles';

/** Mints LiveKit access tokens: one room, one identity, exactly the grants of a role. */
export class LiveKitTokens {
  constructor(
    private readonly apiKey: string,
    private readonly apiSecret: string,
    private readonly ttlS: number = MEDIA_TOKEN_TTL_S,
  ) {}

  mint(room: string, identity: string, role: MediaRole): Promise<string> {
    const token = new AccessToken(this.apiKey, this.apiSecret, { identity, ttl: this.ttlS });
    token.addGrant({ roomJoin: true, room, ...MEDIA_GRANTS[role] });
    return token.toJwt();
  }
}
