import { z } from 'zod';
import { DOMAIN_EVENT_VERSION, type DomainEvent } from '../domain/domainEvents';

/**
 * Schemas of the domain events Kismet publishes to NATS JetStream (PROTOCOL.md
 * "Domain events"), for consumers and tests. The types are domain/domainEvents.ts;
 * these check that what travels matches them.
 */
const Id = z.uuid();
const envelope = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.strictObject({ id: Id, type: z.literal(type), version: z.literal(DOMAIN_EVENT_VERSION), occurredAt: z.iso.datetime(), data });

export const DomainEventSchema = z.discriminatedUnion('type', [
  envelope('swipe.recorded', z.strictObject({
    swipeId: z.string().regex(/^[0-9]+$/), swiperId: Id, fromCardId: Id, toCardId: Id, toOwnerId: Id, action: z.enum(['like', 'pass', 'superlike']),
  })),
  envelope('match.created', z.strictObject({ matchId: Id, cardIds: z.tuple([Id, Id]), userIds: z.array(Id).min(1).max(2) })),
  envelope('match.ended', z.strictObject({ matchId: Id, status: z.enum(['unmatched', 'blocked']), memberIds: z.array(Id) })),
  envelope('message.stored', z.strictObject({
    matchId: Id, seq: z.number().int().positive(), senderId: Id, kind: z.enum(['text', 'media']), length: z.number().int().min(0), hidden: z.boolean(),
  })),
  envelope('call.ended', z.strictObject({
    callId: Id, matchId: Id, callerId: Id, calleeId: Id, media: z.enum(['audio', 'video']),
    state: z.enum(['ended', 'declined', 'missed', 'cancelled']),
    reason: z.enum(['declined', 'missed', 'cancelled', 'hung_up', 'room_finished', 'match_ended', 'account_banned']),
    durationS: z.number().int().min(0).nullable(),
  })),
  envelope('report.filed', z.strictObject({
    reportId: Id, reporterId: Id, reportedId: Id, contextKind: z.enum(['profile', 'message', 'call', 'event']), contextId: z.string().nullable(),
  })),
  envelope('account.banned', z.strictObject({ userId: Id })),
]);

// The schemas and the domain's types describe the same events.
export type DomainEventMessage = z.infer<typeof DomainEventSchema>;
const sameShape: (e: DomainEventMessage) => DomainEvent = (e) => e;
void sameShape;
