import assert from 'node:assert/strict';
import { loadConfig } from '../../server/config';
import { bannerFacts, startBanner } from '../../server/startBanner';

const OWN = { jwtSecret: 'own-'.repeat(10), liveKitApiKey: 'own-key', liveKitApiSecret: 'own-secret-'.repeat(4), vapid: { publicKey: 'p', privateKey: 'k' } };
const SECRET = 'x'.repeat(40);

describe('start banner', () => {
  describe('a development node with no settings', () => {
    const banner = startBanner(bannerFacts(loadConfig({ PORT: '3000' }, { localSecrets: () => OWN })));
    it('says where it serves, the web app and the API document', () => {
      assert.match(banner, /running at http:\/\/127\.0\.0\.1:3000\n/);
      assert.match(banner, /web app\s+http:\/\/127\.0\.0\.1:3000\/app\//);
      assert.match(banner, /http:\/\/127\.0\.0\.1:3000\/openapi\.json/);
    });
    it('says the mode: embedded database, local presence', () => {
      assert.match(banner, /database\s+embedded/);
      assert.match(banner, /presence\s+local/);
    });
    it('warns of the development secrets', () => {
      assert.match(banner, /Warning: development secrets are in use/);
      assert.match(banner, /signing secret was made by this node/);
      assert.match(banner, /LiveKit key was made by this node/);
    });
  });

  describe('a cluster node with its own secrets', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://db.example/kismet',
      REDIS_URL: 'redis://cache.example',
      JWT_SECRET: SECRET,
      LIVEKIT_API_KEY: 'key',
      LIVEKIT_API_SECRET: 'y'.repeat(40),
      HOST: '0.0.0.0',
      PUBLIC_HOST: 'kismet-1.example.com',
      MEDIA_HOSTS: 'photos.example.com',
    });
    const banner = startBanner(bannerFacts(config));
    it('says Postgres and Redis, and a URL a browser on this machine opens', () => {
      assert.match(banner, /database\s+Postgres/);
      assert.match(banner, /presence\s+Redis/);
      assert.match(banner, /running at http:\/\/localhost:2567\n/);
    });
    it('warns of nothing', () => assert.doesNotMatch(banner, /Warning/));
  });
});
