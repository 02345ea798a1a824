import assert from 'node:assert/strict';
import {
  DATA_FIELDS,
  DOMAIN_EVENT_TYPES,
  DOMAIN_PUBLISH_BACKOFF,
  callEndedData,
  domainEventEnvelope,
  domainEventSubject,
  domainPublishRetryDelayMs,
} from '../../domain/domainEvents';
import { DomainEventSchema } from '../../contracts/domainEvents';

const AT = Date.UTC(2026, 11, 2, 12, 0, 0);
const ID = '3b241101-e2bb-4255-8caf-4136c566a962';
const U1 = '9f86d081-884c-4d65-9a2f-eaa0c55ad015';
const U2 = '0b6a9a2e-5d1f-4c55-8f39-5b1f4a9d2c77';
const M = 'c7d2b1a4-2f3e-4b5a-9c8d-7e6f5a4b3c2d';

describe('domain events', () => {
  describe('domainEventEnvelope', () => {
    it('wraps a row as version 1 with its id and the time it happened, in ISO form', () => {
      const event = domainEventEnvelope({ id: ID, type: 'account.banned', occurredAtMs: AT, data: { userId: U1 } });
      assert.deepEqual(event, { id: ID, type: 'account.banned', version: 1, occurredAt: '2026-12-02T12:00:00.000Z', data: { userId: U1 } });
      DomainEventSchema.parse(event);
    });

    it('keeps only the documented fields of the data', () => {
      const event = domainEventEnvelope({
        id: ID,
        type: 'message.stored',
        occurredAtMs: AT,
        data: { matchId: M, seq: 4, senderId: U1, kind: 'text', length: 12, hidden: false, body: 'never on the bus' },
      });
      assert.deepEqual(event?.data, { matchId: M, seq: 4, senderId: U1, kind: 'text', length: 12, hidden: false });
      DomainEventSchema.parse(event);
    });

    it('leaves a type it does not know for a node that does', () => {
      assert.equal(domainEventEnvelope({ id: ID, type: 'swipe.undone', occurredAtMs: AT, data: {} }), undefined);
    });

    it('documents fields for every type', () => {
      for (const type of DOMAIN_EVENT_TYPES) assert.ok(DATA_FIELDS[type].length > 0, type);
    });
  });

  describe('domainEventSubject', () => {
    it('is the prefix and the type', () => {
      assert.equal(domainEventSubject('kismet', 'match.created'), 'kismet.match.created');
      assert.equal(domainEventSubject('acme.dating', 'report.filed'), 'acme.dating.report.filed');
    });
  });

  describe('callEndedData', () => {
    const call = { id: ID, matchId: M, callerId: U1, calleeId: U2, media: 'video' as const };

    it('gives the length of an answered call in seconds', () => {
      const data = callEndedData({ ...call, state: 'ended', endReason: 'hung_up', acceptedAt: AT, endedAt: AT + 61_400 });
      assert.deepEqual(data, { callId: ID, matchId: M, callerId: U1, calleeId: U2, media: 'video', state: 'ended', reason: 'hung_up', durationS: 61 });
    });

    it('has no length for a call nobody answered', () => {
      assert.equal(callEndedData({ ...call, state: 'missed', endReason: 'missed', acceptedAt: null, endedAt: AT })?.durationS, null);
    });

    it('is nothing for a call still live', () => {
      assert.equal(callEndedData({ ...call, state: 'accepted', endReason: null, acceptedAt: AT, endedAt: null }), undefined);
      assert.equal(callEndedData({ ...call, state: 'ringing', endReason: null, acceptedAt: null, endedAt: null }), undefined);
    });
  });

  describe('domainPublishRetryDelayMs', () => {
    it('doubles with each failed attempt, between half and all of its ceiling', () => {
      assert.equal(domainPublishRetryDelayMs(1, 0), DOMAIN_PUBLISH_BACKOFF.baseMs / 2);
      assert.equal(domainPublishRetryDelayMs(1, 1), DOMAIN_PUBLISH_BACKOFF.baseMs);
      assert.equal(domainPublishRetryDelayMs(3, 1), DOMAIN_PUBLISH_BACKOFF.baseMs * 4);
    });

    it('never waits longer than the cap', () => {
      assert.equal(domainPublishRetryDelayMs(40, 1), DOMAIN_PUBLISH_BACKOFF.maxMs);
    });
  });
});
