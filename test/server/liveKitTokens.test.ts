import assert from 'node:assert/strict';
import { TokenVerifier } from 'livekit-server-sdk';
import { MEDIA_TOKEN_TTL_S } from '../../domain/mediaRoles';
import { LiveKitTokens } from '../../server/livekit/liveKitTokens';

const KEY = 'kismet-test-key';
const SECRET = 'kismet-test-secret-0123456789abcdef';

describe('LiveKit tokens', () => {
  const tokens = new LiveKitTokens(KEY, SECRET);
  const verifier = new TokenVerifier(KEY, SECRET);

  for (const [role, canPublish] of [['call', true], ['stage', true], ['audience', false]] as const) {
    it(`grants ${role} one room and identity, ${canPublish ? 'publishing and visible' : 'subscribe only and hidden'}, for ${MEDIA_TOKEN_TTL_S} s`, async () => {
      const before = Math.floor(Date.now() / 1000);
      const claims = await verifier.verify(await tokens.mint('room-a', 'user-1', role));
      assert.equal(claims.sub, 'user-1');
      assert.equal(claims.video?.room, 'room-a');
      assert.equal(claims.video?.roomJoin, true);
      assert.equal(claims.video?.canPublish, canPublish);
      assert.equal(claims.video?.canSubscribe, true);
      assert.equal(claims.video?.canPublishData, canPublish);
      // LiveKit lists every visible participant to the others: an audience is not shown to itself.
      assert.equal(claims.video?.hidden, !canPublish);
      // Nothing beyond joining this room: no admin, no room creation or listing, no recording.
      for (const power of ['roomAdmin', 'roomCreate', 'roomList', 'roomRecord', 'ingressAdmin']) {
        assert.ok(!(claims.video as Record<string, unknown>)[power], power);
      }
      const exp = claims.exp as number;
      assert.ok(exp - before >= MEDIA_TOKEN_TTL_S - 1 && exp - before <= MEDIA_TOKEN_TTL_S + 1, `exp in ${exp - before} s`);
    });
  }

  it('is refused when signed with another secret', async () => {
    const forged = await new LiveKitTokens(KEY, 'another-secret-0123456789abcdef0123').mint('room-a', 'user-1', 'stage');
    await assert.rejects(verifier.verify(forged));
  });
});
