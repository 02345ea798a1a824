import assert from 'node:assert/strict';
import { decideCallStart, decideCallToken, endOwedByMatch, nextCallState, RING_TIMEOUT_MS, type Call, type CallEvent } from '../../domain/callState';

const T0 = 1_700_000_000_000;
const ringing: Call = {
  id: 'call',
  matchId: 'match',
  callerId: 'caller',
  calleeId: 'callee',
  media: 'video',
  liveKitRoom: 'call-room',
  state: 'ringing',
  ringingAt: T0,
  acceptedAt: null,
  endedAt: null,
  endReason: null,
  hidden: false,
};
const accepted: Call = { ...ringing, state: 'accepted', acceptedAt: T0 + 5_000 };

const after = (call: Call, event: CallEvent, nowMs: number) => {
  const t = nextCallState(call, event, nowMs);
  return t.kind === 'refused' ? t.code : `${t.kind}:${t.call.state}:${t.call.endReason ?? '-'}`;
};

describe('nextCallState', () => {
  describe('ringing', () => {
    it('is accepted by the callee, with the time', () => {
      const t = nextCallState(ringing, { kind: 'accept', by: 'callee' }, T0 + 4_000);
      assert.deepEqual(t, { kind: 'changed', call: { ...ringing, state: 'accepted', acceptedAt: T0 + 4_000 } });
    });
    it('is declined by the callee and cancelled by the caller, never the other way round', () => {
      assert.equal(after(ringing, { kind: 'decline', by: 'callee' }, T0 + 1), 'changed:declined:declined');
      assert.equal(after(ringing, { kind: 'cancel', by: 'caller' }, T0 + 1), 'changed:cancelled:cancelled');
      assert.equal(after(ringing, { kind: 'accept', by: 'caller' }, T0 + 1), 'NOT_THE_CALLEE');
      assert.equal(after(ringing, { kind: 'decline', by: 'caller' }, T0 + 1), 'NOT_THE_CALLEE');
      assert.equal(after(ringing, { kind: 'cancel', by: 'callee' }, T0 + 1), 'NOT_THE_CALLER');
    });
    it('refuses anyone who is not in the call', () => {
      assert.equal(after(ringing, { kind: 'accept', by: 'stranger' }, T0 + 1), 'NOT_IN_CALL');
    });
    it('is missed once 30 s have passed, whatever finds it so, and not a moment before', () => {
      assert.equal(after(ringing, { kind: 'tick' }, T0 + RING_TIMEOUT_MS - 1), 'unchanged:ringing:-');
      assert.equal(after(ringing, { kind: 'tick' }, T0 + RING_TIMEOUT_MS), 'changed:missed:missed');
      assert.equal(after(ringing, { kind: 'accept', by: 'callee' }, T0 + RING_TIMEOUT_MS - 1), 'changed:accepted:-');
      assert.equal(after(ringing, { kind: 'accept', by: 'callee' }, T0 + RING_TIMEOUT_MS), 'changed:missed:missed');
    });
    it('ends when LiveKit finishes the room, the match ends or one of the two is banned', () => {
      assert.equal(after(ringing, { kind: 'room_finished' }, T0 + 1), 'changed:cancelled:room_finished');
      assert.equal(after(ringing, { kind: 'match_ended' }, T0 + 1), 'changed:cancelled:match_ended');
      assert.equal(after(ringing, { kind: 'account_banned' }, T0 + 1), 'changed:cancelled:account_banned');
    });
    it('hangs up as a cancel from the caller and a decline from the callee', () => {
      assert.equal(after(ringing, { kind: 'hang_up', by: 'caller' }, T0 + 1), 'changed:cancelled:cancelled');
      assert.equal(after(ringing, { kind: 'hang_up', by: 'callee' }, T0 + 1), 'changed:declined:declined');
    });
  });

  describe('accepted', () => {
    it('refuses a second answer (another device) and a late cancel or decline', () => {
      assert.equal(after(accepted, { kind: 'accept', by: 'callee' }, T0 + 6_000), 'CALL_NOT_RINGING');
      assert.equal(after(accepted, { kind: 'cancel', by: 'caller' }, T0 + 6_000), 'CALL_NOT_RINGING');
      assert.equal(after(accepted, { kind: 'decline', by: 'callee' }, T0 + 6_000), 'CALL_NOT_RINGING');
    });
    it('is never missed, however long it lasts', () => {
      assert.equal(after(accepted, { kind: 'tick' }, T0 + 3_600_000), 'unchanged:accepted:-');
    });
    it('ends on a hang-up by either side, a finished room, the end of the match or a ban', () => {
      assert.equal(after(accepted, { kind: 'hang_up', by: 'callee' }, T0 + 60_000), 'changed:ended:hung_up');
      assert.equal(after(accepted, { kind: 'hang_up', by: 'caller' }, T0 + 60_000), 'changed:ended:hung_up');
      assert.equal(after(accepted, { kind: 'room_finished' }, T0 + 60_000), 'changed:ended:room_finished');
      assert.equal(after(accepted, { kind: 'match_ended' }, T0 + 60_000), 'changed:ended:match_ended');
      assert.equal(after(accepted, { kind: 'account_banned' }, T0 + 60_000), 'changed:ended:account_banned');
    });
  });

  describe('over', () => {
    const ended = { ...accepted, state: 'ended' as const, endedAt: T0 + 60_000, endReason: 'hung_up' as const };
    it('refuses commands and keeps its first end', () => {
      assert.equal(after(ended, { kind: 'hang_up', by: 'caller' }, T0 + 70_000), 'CALL_OVER');
      assert.equal(after(ended, { kind: 'accept', by: 'callee' }, T0 + 70_000), 'CALL_OVER');
      assert.equal(after(ended, { kind: 'room_finished' }, T0 + 70_000), 'unchanged:ended:hung_up');
      assert.equal(after(ended, { kind: 'account_banned' }, T0 + 70_000), 'unchanged:ended:hung_up');
    });
  });
});

describe('decideCallStart', () => {
  const base = {
    isMember: true,
    matchStatus: 'active' as const,
    blocked: false,
    callerBlocked: false,
    callInProgress: false,
    callerOnCall: false,
    calleeOnAnsweredCall: false,
    activeCalls: 0,
    maxActiveCalls: 2,
  };
  const code = (input: Partial<Parameters<typeof decideCallStart>[0]>) => {
    const d = decideCallStart({ ...base, ...input });
    return d.kind === 'refused' ? d.code : d.kind;
  };
  it('starts a call between matched people under the cap', () => assert.equal(code({}), 'start'));
  it('refuses strangers, blocks, ended matches, a second call and a full cluster', () => {
    assert.equal(code({ isMember: false }), 'NOT_A_MEMBER');
    assert.equal(code({ matchStatus: undefined }), 'NOT_A_MEMBER');
    assert.equal(code({ blocked: true, callerBlocked: true }), 'BLOCKED');
    assert.equal(code({ matchStatus: 'blocked', callerBlocked: true }), 'BLOCKED');
    assert.equal(code({ matchStatus: 'unmatched' }), 'UNMATCHED');
    assert.equal(code({ callInProgress: true }), 'CALL_IN_PROGRESS');
    assert.equal(code({ activeCalls: 2 }), 'CALL_CAP_REACHED');
    assert.equal(code({ activeCalls: 1 }), 'start');
  });
  it('tells the person blocked, and only them, what an unmatch tells them', () => {
    assert.equal(code({ blocked: true }), 'UNMATCHED');
    assert.equal(code({ matchStatus: 'blocked' }), 'UNMATCHED');
  });
  it('takes one call at a time per person: the caller on another call, or the callee on an answered one, is refused', () => {
    assert.equal(code({ callerOnCall: true }), 'ALREADY_IN_CALL');
    assert.equal(code({ calleeOnAnsweredCall: true }), 'CALLEE_BUSY');
    // The match's own call names itself; a full cluster comes last, so the answer is the same on any node.
    assert.equal(code({ callInProgress: true, callerOnCall: true, calleeOnAnsweredCall: true }), 'CALL_IN_PROGRESS');
    assert.equal(code({ callerOnCall: true, calleeOnAnsweredCall: true, activeCalls: 2 }), 'ALREADY_IN_CALL');
    assert.equal(code({ calleeOnAnsweredCall: true, activeCalls: 2 }), 'CALLEE_BUSY');
  });
});

describe('decideCallToken', () => {
  const code = (state: Call['state']) => decideCallToken(state)?.code ?? 'token';
  it('gives media only to an answered call', () => assert.equal(code('accepted'), 'token'));
  it('answers CALL_OVER for every way a call ends, as the other commands do', () => {
    for (const state of ['ended', 'declined', 'missed', 'cancelled'] as const) assert.equal(code(state), 'CALL_OVER', state);
  });
  it('keeps a ringing call waiting for its answer', () => assert.equal(code('ringing'), 'CALL_NOT_RINGING'));
});

describe('endOwedByMatch', () => {
  it('ends a live call whose match is no longer active, as the match’s end would have', () => {
    for (const call of [ringing, accepted]) {
      for (const status of ['unmatched', 'blocked', undefined] as const) assert.deepEqual(endOwedByMatch(call, status), { kind: 'match_ended' }, `${call.state} ${status}`);
    }
  });
  it('owes nothing on an active match, nor once the call is over', () => {
    assert.equal(endOwedByMatch(accepted, 'active'), undefined);
    assert.equal(endOwedByMatch({ ...ringing, state: 'declined' }, 'blocked'), undefined);
  });
});
