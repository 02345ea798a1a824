import assert from 'node:assert/strict';
import { reserveSeat, RawRoomClient, encodeRoomData } from '../../loadtest/client/rawRoomClient';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { SESSION_ROOM } from '../../contracts/session';
import { command, postJson, registerUser, requestJson, uniqueEmail, TEST_PASSWORD } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';
import { metricValue } from '../support/cluster';
import { codeOf, joinThread, matchedPair, registerPerson } from '../support/matches';

/** The node's log lines at error level or above (pino: 50 error, 60 fatal). */
const errorLines = (node: NodeHandle) => node.output().split('\n').filter((line) => /"level":(50|60)/.test(line));

for (const backend of BACKENDS) {
  describe(`security: hostile input is answered with codes, never with an error in the log on ${backend.name}`, function () {
    const suite = useSingleNode(backend, { LOG_LEVEL: 'info' });

    it('refuses NUL characters in bodies and messages with INVALID_BODY and INVALID_MESSAGE, storing nothing', async () => {
      const person = await registerPerson(suite.node.url);
      const bio = await requestJson(suite.node.url, 'PATCH', `/cards/${person.card.id}`, { token: person.accessToken, body: { bio: 'hello\u0000world' } });
      assert.deepEqual([bio.status, (bio.body as { code: string }).code], [400, 'INVALID_BODY']);
      const culture = await requestJson(suite.node.url, 'PATCH', `/cards/${person.card.id}`, { token: person.accessToken, body: { culture: { 'pa\u0000ce': 0.5 } } });
      assert.deepEqual([culture.status, (culture.body as { code: string }).code], [400, 'INVALID_BODY'], 'in a key');
      const register = await postJson(suite.node.url, '/auth/register', { email: uniqueEmail(), password: `${TEST_PASSWORD}\u0000` });
      assert.deepEqual([register.status, (register.body as { code: string }).code], [400, 'INVALID_BODY']);
      const card = await requestJson<{ bio: string }>(suite.node.url, 'GET', `/cards/${person.card.id}`, { token: person.accessToken });
      assert.equal(card.body.bio, '', 'the card is as it was');

      const { a, matchId } = await matchedPair(suite.node.url);
      const thread = await joinThread(suite.node.url, a, matchId);
      const sent = await command(thread.room, 'send', { clientMessageId: 'nul-1', kind: 'text', body: 'a\u0000b' });
      assert.equal(codeOf(sent), 'INVALID_MESSAGE');
      const history = await command(thread.room, 'history', {});
      assert.deepEqual('ok' in history && (history.result as { messages: unknown[] }).messages, []);
      await thread.room.leave();
      assert.deepEqual(errorLines(suite.node), []);
    });

    it('counts frames that do not decode and logs them at debug, closing only that connection', async () => {
      const user = await registerUser(suite.node.url);
      const before = (await metricValue(suite.node, /^kismet_undecodable_frames_total/)) || 0;
      const truncated = encodeRoomData('heartbeat', { ref: 'r', body: 'x'.repeat(40) }).subarray(0, 12);
      for (let i = 0; i < 20; i++) {
        const client = await RawRoomClient.connect(suite.node.url, await reserveSeat(suite.node.url, SESSION_ROOM, { userId: user.userId, deviceId: `d${i}` }, user.accessToken));
        const closed = new Promise<number>((resolve) => (client.onClose = resolve));
        client.sendRaw(truncated);
        assert.equal(await closed, 4002);
      }
      assert.equal((await metricValue(suite.node, /^kismet_undecodable_frames_total/)) - before, 20);
      assert.deepEqual(errorLines(suite.node), []);
      assert.equal((await fetch(`${suite.node.url}/healthz`)).status, 200);
    });
  });
}
