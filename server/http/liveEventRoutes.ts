import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import { findCardById } from '../../db/repositories/cardRepository';
import { findLiveEventAccess, insertLiveEvent, listAttendance, registerForLiveEvent } from '../../db/repositories/liveEventRepository';
import type { Database } from '../../db/types';
import { AppError, ErrorCode } from '../../domain/errors';
import { liveEventPhase } from '../../domain/liveEventRules';
import { CreateLiveEventBody } from '../../contracts/liveEvents';
import { jsonReply, parseBody, route, type HttpCall, type RouteOptions } from './uwsHttp';
import type { SignedIn } from './signedIn';
import { Uuid } from '../../contracts/common';
import type { EventAliasKeys } from '../../services/eventAliases';

export interface LiveEventRouteDeps {
  readonly db: Kysely<Database>;
  /** Who signed a call, with their HTTP calls counted. */
  readonly signedIn: SignedIn;
  readonly now: () => Date;
  /** The aliases the event names its attendees by, shown to its hosts beside who each is. */
  readonly eventAliases: EventAliasKeys;
}

/** Live hiring events: a recruiter schedules one for a job; candidates register. */
export function mountLiveEventRoutes(app: TemplatedApp, deps: LiveEventRouteDeps, options: RouteOptions): void {
  const signedIn = deps.signedIn.userId;
  /** The signed-in caller and their view of the event named in the path, or EVENT_NOT_FOUND. */
  const eventOf = async (call: HttpCall) => {
    const userId = await signedIn(call);
    const id = Uuid.safeParse(call.params[0]);
    const access = id.success ? await findLiveEventAccess(deps.db, id.data, userId) : undefined;
    if (!access) throw new AppError(ErrorCode.EVENT_NOT_FOUND, 'no such event');
    return { userId, access };
  };

  route(app, 'post', '/events', async (call) => {
    const userId = await signedIn(call);
    const body = parseBody(CreateLiveEventBody, call);
    const card = await findCardById(deps.db, body.jobCardId);
    if (!card || card.kind !== 'job' || !card.active) throw new AppError(ErrorCode.CARD_NOT_FOUND, 'no such active job');
    if (card.ownerId !== userId) throw new AppError(ErrorCode.NOT_YOUR_CARD, 'an event is hosted for one of your own jobs');
    const event = {
      id: randomUUID(),
      hostId: userId,
      jobCardId: card.id,
      title: body.title,
      startsAt: Date.parse(body.startsAt),
      endsAt: Date.parse(body.endsAt),
      capacity: body.capacity,
    };
    if (event.endsAt <= deps.now().getTime()) throw new AppError(ErrorCode.INVALID_BODY, 'endsAt: the event would be over already');
    const refused = await insertLiveEvent(deps.db, event, deps.now());
    if (refused) throw new AppError(refused.code, refused.message);
    return jsonReply(201, { eventId: event.id, title: event.title, startsAt: event.startsAt, endsAt: event.endsAt, capacity: event.capacity });
  }, options);

  route(app, 'post', '/events/:id/registrations', async (call) => {
    const { userId, access } = await eventOf(call);
    if (liveEventPhase(access.event, deps.now().getTime()) === 'ended') throw new AppError(ErrorCode.EVENT_ENDED, 'the event is over');
    const created = await registerForLiveEvent(deps.db, access.event.id, userId);
    return jsonReply(created ? 201 : 200, { eventId: access.event.id, registered: true });
  }, options);

  // Hosts only: who came, with the person card to like from the event's job (an ordinary swipe), and the alias the event showed them by.
  route(app, 'get', '/events/:id/attendance', async (call) => {
    const { userId, access } = await eventOf(call);
    if (!access.isHost) throw new AppError(ErrorCode.NOT_A_HOST, 'only the event’s hosts see who attended');
    const aliases = deps.eventAliases.of(access.event.id);
    const attendees = (await listAttendance(deps.db, access.event.id, userId)).map((a) => ({ ...a, alias: aliases.of(a.userId) }));
    return jsonReply(200, { eventId: access.event.id, jobCardId: access.event.jobCardId, attendees });
  }, options);
}
