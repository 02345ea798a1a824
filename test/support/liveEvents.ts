import assert from 'node:assert/strict';
import { HARNESS_JWT_SECRET } from '../../loadtest/harness/secrets';
import { EventAliasKeys } from '../../services/eventAliases';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import type { TokenPair } from '../../contracts/auth';
import { joinActor, registerUser, requestJson, type ActorConnection } from './accounts';

/**
 * A recruiter, a job and an event of theirs whose doors open now: it starts in 5 minutes
 * and ends in 2 hours, unless `times` (ms since the epoch) says otherwise.
 */
export async function scheduleEvent(url: string, capacity: number, times?: { readonly startsAt: number; readonly endsAt: number }) {
  const recruiter = await registerUser(url, undefined, 'recruiter');
  const job = await requestJson<{ id: string }>(url, 'POST', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title: 'Backend engineer' } });
  const now = Date.now();
  const { startsAt, endsAt } = times ?? { startsAt: now + 5 * 60_000, endsAt: now + 2 * 3_600_000 };
  const created = await requestJson<{ eventId: string }>(url, 'POST', '/events', {
    token: recruiter.accessToken,
    body: { jobCardId: job.body.id, title: 'Hiring day', startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString(), capacity },
  });
  assert.equal(created.status, 201);
  return { recruiter, eventId: created.body.eventId };
}

/** A person's alias in an event as a harness node (the harness's JWT_SECRET) names them there: for someone the test never connects. */
export function harnessAliasIn(eventId: string, userId: string): string {
  return new EventAliasKeys(HARNESS_JWT_SECRET).of(eventId).of(userId);
}

/** Joins an event, the connection closed with the suite's others (`open`). */
export function eventJoiner(suite: { readonly open: Array<{ readonly room: ActorConnection['room'] }> }) {
  return async (url: string, user: TokenPair, eventId: string): Promise<ActorConnection<LiveEventReady>> => {
    const connection = await joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    suite.open.push(connection);
    return connection;
  };
}
