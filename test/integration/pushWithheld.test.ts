import assert from 'node:assert/strict';
import type { CallStarted } from '../../contracts/calls';
import type { WebPushTarget } from '../../domain/push/notification';
import { command, connectDevice, disconnect, requestJson, waitUntil, type Device } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';
import { matchPeople, registerPerson, replyOf } from '../support/matches';
import { counterSum, payloadsTo, registerWebPush, useWebPushStandIn } from '../support/push/pushedNode';

const POSTGRES = BACKENDS.find((b) => b.name === 'Postgres')!;
const REFUSED = /^kismet_push_failed_total\{[^}]*reason="retry\/rate-limited"/;
const WITHHELD = /^kismet_push_skipped_total\{[^}]*reason="withheld"/;

/**
 * A push the service refused is tried again later; by then what it announces may be
 * over. A ring retried after its call was cancelled or answered would show "Incoming
 * call" after the stop that replaced it; a match retried after the unmatch would say
 * "It's a match" for a week. Each is checked again when it is leased.
 */
describe('a retried push whose news is over is withheld', function () {
  const standIn = useWebPushStandIn();
  const suite = useSingleNode(POSTGRES, standIn.env);
  const url = () => suite.node.url;

  /**
   * The service refuses the device's next push once, asking for a wait of 5 s: the test ends
   * what the push announces meanwhile, and the service takes the device's pushes again.
   */
  const refuseNextPush = async (target: WebPushTarget) => {
    standIn.service.answer(target.endpoint, { status: 429, retryAfter: '5', times: 1 });
    const [refused, withheld] = [await counterSum(suite.node, REFUSED), await counterSum(suite.node, WITHHELD)];
    return {
      refusal: () => waitUntil(async () => (await counterSum(suite.node, REFUSED)) > refused, 15_000, () => 'the first send refused'),
      /** Waits for the refused push's next try, then asserts it was withheld, not delivered. */
      withheld: async (type: string, what: string) => {
        const withheldNow = async () => (await counterSum(suite.node, WITHHELD)) > withheld;
        await waitUntil(async () => payloadsTo(standIn.service, target, type).length > 0 || (await withheldNow()), 20_000, () => `the retried ${type} push`);
        assert.equal(payloadsTo(standIn.service, target, type).length, 0, what);
        assert.ok(await withheldNow());
      },
    };
  };

  const endings: ReadonlyArray<[string, 'call.ended' | 'call.answered', (call: { callId: string; caller: Device; callee: Device }) => Promise<void>]> = [
    ['cancelled by the caller', 'call.ended', async ({ callId, caller }) => void replyOf(await command(caller.room, 'call.cancel', { callId }))],
    ['answered on another device', 'call.answered', async ({ callId, callee }) => void replyOf(await command(callee.room, 'call.accept', { callId }))],
  ];
  for (const [how, stop, end] of endings) {
    it(`a ring whose first send was refused is not delivered once the call was ${how}; its stop is`, async () => {
      const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
      const matchId = await matchPeople(a, b, [url(), url()]);
      const phone = await registerWebPush(url(), standIn.service, b, 'phone');
      const service = await refuseNextPush(phone);
      const [caller, laptop] = await Promise.all([connectDevice(url(), a, 'phone'), connectDevice(url(), b, 'laptop')]);
      try {
        const { callId } = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId, media: 'audio' }));
        await service.refusal();
        await end({ callId, caller, callee: laptop });
        await waitUntil(() => payloadsTo(standIn.service, phone, stop).length === 1, 15_000, () => `the ${stop} push`);
        await service.withheld('call.incoming', 'the ring came after its stop');
      } finally {
        await Promise.all([disconnect(caller), disconnect(laptop)]);
      }
    });
  }

  it('a match whose first send was refused is not delivered after the unmatch', async () => {
    const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
    // A likes first: of the two, A hears only of the match.
    const phone = await registerWebPush(url(), standIn.service, a, 'phone');
    const service = await refuseNextPush(phone);
    const matchId = await matchPeople(a, b, [url(), url()]);
    await service.refusal();
    assert.equal((await requestJson(url(), 'DELETE', `/me/matches/${matchId}`, { token: b.accessToken })).status, 200);
    await service.withheld('match.created', 'a match announced after the unmatch');
  });
});
