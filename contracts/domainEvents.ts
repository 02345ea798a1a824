import { z } from 'zod';
import { DOMAIN_EVENT_VERSION, type DomainEvent } from '../domain/domainEvents';
import { Uuid } from './common';

/**
 * Schemas of the domain events Kismet publishes to NATS JetStream (PROTOCOL.md
 * "Domain events"), for consumers and tests. The types are domain/domainEvents.ts;
 * these check that what travels matches them.
 */
const envelope = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.strictObject({ id: Uuid, type: z.literal(type), version: z.literal(DOMAIN_EVENT_VERSION), occurredAt: z.iso.datetime(), data });

export const DomainEventSchema = z.discriminatedUnion('type', [
  envelope('swipe.recorded', z.strictObject({
    swipeId: z.string().regex(/^[0-9]+$/), swiperId: Uuid, fromCardId: Uuid, toCardId: Uuid, toOwnerId: Uuid, action: z.enum(['like', 'pass', 'superlike']),
  })),
  envelope('match.created', z.strictObject({ matchId: Uuid, cardIds: z.tuple([Uuid, Uuid]), userIds: z.array(Uuid).min(1).max(2) })),
  envelope('match.ended', z.strictObject({ matchId: Uuid, status: z.enum(['unmatched', 'blocked']), memberIds: z.array(Uuid) })),
  envelope('message.stored', z.strictObject({
    matchId: Uuid, seq: z.number().int().positive(), senderId: Uuid, kind: z.enum(['text', 'media']), length: z.number().int().min(0), hidden: z.boolean(),
  })),
  envelope('call.ended', z.strictObject({
    callId: Uuid, matchId: Uuid, callerId: Uuid, calleeId: Uuid, media: z.enum(['audio', 'video']),
    state: z.enum(['ended', 'declined', 'missed', 'cancelled']),
    reason: z.enum(['declined', 'missed', 'cancelled', 'hung_up', 'room_finished', 'match_ended', 'account_banned']),
    durationS: z.number().int().min(0).nullable(),
  })),
  envelope('report.filed', z.strictObject({
    reportId: Uuid, reporterId: Uuid, reportedId: Uuid, contextKind: z.enum(['profile', 'message', 'call', 'event']), contextId: z.string().nullable(),
  })),
  envelope('account.banned', z.strictObject({ userId: Uuid })),
  envelope('account.erased', z.strictObject({ userId: Uuid })),
]);

// The schemas and the domain's types describe the same events.
export type DomainEventMessage = z.infer<typeof DomainEventSchema>;
const sameShape: (e: DomainEventMessage) => DomainEvent = (e) => e;
void sameShape;
