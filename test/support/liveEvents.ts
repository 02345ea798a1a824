import assert from 'node:assert/strict';
import { registerUser, requestJson } from './accounts';

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
