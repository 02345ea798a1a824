import { z } from 'zod';
import { DeleteAccountBody, LoginBody, RefreshBody, RegisterBody } from './auth';
import { AdminUserBody, BlockBody, CreateCardBody, PhotoRef, PreferencesBody, ReportBody, UpdateCardBody } from './cards';
import { RESOLUTION_ACTIONS, ResolveReportBody, VerifyBody } from './moderation';
import { CreateLiveEventBody, EventAlias } from './liveEvents';
import { PushSettingsBody, PushTargetBody } from './push';
import { ProgressResponse } from './progress';
import { AddColleagueBody, CompanyBody, CreateCompanyBody, ThreadMembersBody } from './companies';
import { Uuid } from './common';
import { AccountExportBody } from './accountExport';

/**
 * Every HTTP route of a node, with the schemas of what it takes and answers:
 * the source of `GET /openapi.json` (server/http/openApi.ts), and what a node
 * checks its mounted routes against at start, so none goes undocumented.
 */
const EpochMs = z.number().int().describe('milliseconds since the epoch');

export const ErrorBody = z.object({
  code: z.string().describe('a stable code (PROTOCOL.md, error codes)'),
  message: z.string(),
  retryAfterMs: z.number().int().optional().describe('on refusals that pass with time, with a Retry-After header'),
});

export const TokenPairBody = z.object({ userId: Uuid, accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int() });

const Tags = z.array(z.object({ tag: z.string(), weight: z.number().int() }));
/** A hiring field: a job's always, a person's to the owner and to jobs only (contracts/cards.ts `toCardView`). */
const hiringOnly = <T extends z.ZodType>(field: T) => field.optional().describe("a person's: to the owner and to jobs only");
export const CardBody = z.object({
  id: Uuid,
  ownerId: Uuid,
  kind: z.enum(['person', 'job']),
  title: z.string(),
  bio: z.string(),
  tags: Tags,
  birthYear: z.number().int().nullable().optional().describe("a person's: to the owner and to people only"),
  experienceYears: hiringOnly(z.number().int().nullable()),
  salaryMin: hiringOnly(z.number().int().nullable()),
  salaryMax: hiringOnly(z.number().int().nullable()),
  workAuthorizations: hiringOnly(z.array(z.string())),
  remote: hiringOnly(z.boolean()),
  culture: hiringOnly(z.record(z.string(), z.number())),
  verified: z.boolean(),
  active: z.boolean(),
  photos: z.array(PhotoRef),
  h3Cell: z.string().nullable(),
});

const PreferencesAnswer = z.object({
  maxDistanceKm: z.number().int(),
  ageMin: z.number().int().nullable(),
  ageMax: z.number().int().nullable(),
  salaryMin: z.number().int().nullable(),
  remoteOnly: z.boolean(),
  minExperienceYears: z.number().int().nullable(),
  workAuthorizations: z.array(z.string()),
  cardKind: z.enum(['person', 'job']).nullable(),
});
const MatchStatusBody = z.enum(['active', 'unmatched', 'blocked']);
const Ok = z.object({ ok: z.literal(true) });

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'del';

export interface HttpRouteSpec {
  readonly method: HttpMethod;
  /** The path as routed (`:name` segments). */
  readonly path: string;
  readonly summary: string;
  /** Who may call it: anyone, a signed-in user (access token), or an operator (ADMIN_API_KEY). */
  readonly auth: 'none' | 'bearer' | 'operator' | 'livekit';
  readonly body?: z.ZodType;
  /** The body's media type, when not application/json. */
  readonly bodyType?: string;
  /** The answers by status; refusals are ErrorBody. A string schema is an answer in plain text. */
  readonly answers: Readonly<Record<number, z.ZodType>>;
  readonly contentType?: string;
}

export const HTTP_ROUTES: readonly HttpRouteSpec[] = [
  { method: 'post', path: '/auth/register', summary: 'Create an account', auth: 'none', body: RegisterBody, answers: { 201: TokenPairBody } },
  { method: 'post', path: '/auth/login', summary: 'Log in', auth: 'none', body: LoginBody, answers: { 200: TokenPairBody } },
  { method: 'post', path: '/auth/refresh', summary: 'Exchange a refresh token for a new pair', auth: 'none', body: RefreshBody, answers: { 200: TokenPairBody } },
  { method: 'post', path: '/auth/logout', summary: "Revoke the refresh token's session", auth: 'none', body: RefreshBody, answers: { 200: Ok } },
  { method: 'post', path: '/cards', summary: 'Create a card (a profile or a job)', auth: 'bearer', body: CreateCardBody, answers: { 201: CardBody } },
  { method: 'get', path: '/cards/:id', summary: 'Read a card; query as (a card of yours to look as: a person card or a job)', auth: 'bearer', answers: { 200: CardBody } },
  { method: 'patch', path: '/cards/:id', summary: 'Change one of your cards', auth: 'bearer', body: UpdateCardBody, answers: { 200: CardBody } },
  { method: 'del', path: '/cards/:id', summary: 'Deactivate one of your cards', auth: 'bearer', answers: { 200: CardBody } },
  {
    method: 'get', path: '/me/cards', summary: 'Your cards, oldest first, a page at a time; query limit, after', auth: 'bearer',
    answers: { 200: z.object({ cards: z.array(CardBody), after: Uuid.nullable() }) },
  },
  { method: 'get', path: '/me/preferences', summary: 'Your deck preferences', auth: 'bearer', answers: { 200: PreferencesAnswer } },
  { method: 'put', path: '/me/preferences', summary: 'Set your deck preferences', auth: 'bearer', body: PreferencesBody, answers: { 200: PreferencesAnswer } },
  {
    method: 'post', path: '/me/blocks', summary: 'Block someone', auth: 'bearer', body: BlockBody,
    answers: { 200: z.object({ blocked: Uuid, endedMatches: z.array(Uuid) }) },
  },
  {
    method: 'post', path: '/reports', summary: 'Report someone (while one of the person is open, any other answers it, 200; at most 50 open)', auth: 'bearer', body: ReportBody,
    answers: { 200: z.object({ reportId: Uuid }), 201: z.object({ reportId: Uuid }) },
  },
  { method: 'del', path: '/me/matches/:id', summary: 'Unmatch (the two matched people; colleagues leave instead)', auth: 'bearer', answers: { 200: z.object({ matchId: Uuid, status: MatchStatusBody }) } },
  {
    method: 'post', path: '/me/matches/:id/colleagues', summary: "Add a recruiter of your company to a hiring thread (the job card's owner)", auth: 'bearer',
    body: AddColleagueBody, answers: { 201: ThreadMembersBody },
  },
  {
    method: 'del', path: '/me/matches/:id/colleagues/:userId', summary: "Take a colleague out of a hiring thread (the job card's owner), or leave it (the colleague)", auth: 'bearer',
    answers: { 200: ThreadMembersBody },
  },
  { method: 'get', path: '/me/company', summary: 'Your company and its recruiters', auth: 'bearer', answers: { 200: CompanyBody } },
  { method: 'get', path: '/me/progress', summary: 'Your XP, level and the quests of the UTC day', auth: 'bearer', answers: { 200: ProgressResponse } },
  {
    method: 'get', path: '/me/threads', summary: 'Your chat threads, newest match first', auth: 'bearer',
    answers: {
      200: z.object({
        threads: z.array(z.object({
          matchId: Uuid, status: MatchStatusBody, otherUserIds: z.array(Uuid), lastSeq: z.number().int(), lastReadSeq: z.number().int(), unread: z.number().int(),
          counterpart: z.object({ userId: Uuid, cardId: Uuid, name: z.string(), photos: z.array(PhotoRef), hidden: z.boolean(), deleted: z.boolean() }).nullable(),
        })),
      }),
    },
  },
  {
    method: 'post', path: '/admin/users/:id', summary: "Change an account's standing (operators)", auth: 'operator', body: AdminUserBody,
    answers: { 200: z.object({ userId: Uuid, role: z.enum(['member', 'recruiter']), isPremium: z.boolean(), banned: z.boolean(), shadowBanned: z.boolean() }) },
  },
  { method: 'post', path: '/admin/companies', summary: 'Create a company (operators)', auth: 'operator', body: CreateCompanyBody, answers: { 201: CompanyBody } },
  { method: 'put', path: '/admin/companies/:id/members/:userId', summary: 'Make a recruiter account a member of a company (operators)', auth: 'operator', answers: { 200: CompanyBody } },
  { method: 'del', path: '/admin/companies/:id/members/:userId', summary: 'Take an account out of a company (operators)', auth: 'operator', answers: { 200: CompanyBody } },
  { method: 'post', path: '/admin/users/:id/verified', summary: "Set or clear an account's verification (operators)", auth: 'operator', body: VerifyBody, answers: { 200: z.object({ userId: Uuid, verified: z.boolean() }) } },
  {
    method: 'get', path: '/admin/reports', summary: 'Reports, people reported by the most people first; query status, reportedId, reporterId, context, limit, offset (operators)', auth: 'operator',
    answers: { 200: z.object({ reports: z.array(z.looseObject({ reportId: Uuid, reportedId: Uuid, status: z.enum(['open', 'resolved']), openAgainstReported: z.number().int() })), nextOffset: z.number().int().nullable() }) },
  },
  {
    method: 'post', path: '/admin/reports/:id/resolve', summary: 'Resolve a report with an action and a note (operators)', auth: 'operator', body: ResolveReportBody,
    answers: { 200: z.object({ reportId: Uuid, reportedId: Uuid, action: z.enum(RESOLUTION_ACTIONS) }) },
  },
  {
    method: 'get', path: '/admin/audit', summary: 'The operator audit log, newest first; query limit, before, targetId (operators)', auth: 'operator',
    answers: { 200: z.object({ entries: z.array(z.object({ id: z.string(), at: z.string(), action: z.string(), targetKind: z.string(), targetId: z.string(), detail: z.record(z.string(), z.unknown()) })), before: z.string().nullable() }) },
  },
  { method: 'get', path: '/me/export', summary: "Your account's data: everything it holds about you (PROTOCOL.md has each field, and what is left out)", auth: 'bearer', answers: { 200: AccountExportBody } },
  { method: 'del', path: '/me', summary: 'Delete your account (confirm with the password)', auth: 'bearer', body: DeleteAccountBody, answers: { 200: z.object({ userId: Uuid, deleted: z.literal(true) }) } },
  { method: 'post', path: '/livekit/webhook', summary: "LiveKit's webhook", auth: 'livekit', body: z.looseObject({ event: z.string() }), bodyType: 'application/webhook+json', answers: { 200: Ok } },
  {
    method: 'post', path: '/events', summary: 'Schedule a live hiring event', auth: 'bearer', body: CreateLiveEventBody,
    answers: { 201: z.object({ eventId: Uuid, title: z.string(), startsAt: EpochMs, endsAt: EpochMs, capacity: z.number().int() }) },
  },
  {
    method: 'get', path: '/events/:id/attendance', summary: "An event's attendance (its hosts)", auth: 'bearer',
    answers: {
      200: z.object({ eventId: Uuid, jobCardId: Uuid, attendees: z.array(z.object({ userId: Uuid, alias: EventAlias, cardId: Uuid.nullable(), firstJoinedAt: EpochMs, lastLeftAt: EpochMs.nullable() })) }),
    },
  },
  {
    method: 'post', path: '/events/:id/registrations', summary: 'Register for an event', auth: 'bearer',
    answers: { 200: z.object({ eventId: Uuid, registered: z.literal(true) }), 201: z.object({ eventId: Uuid, registered: z.literal(true) }) },
  },
  {
    method: 'put', path: '/me/devices/:deviceId/push', summary: "Register (or replace) where a device is pushed when its app is closed", auth: 'bearer', body: PushTargetBody,
    answers: { 200: z.object({ deviceId: z.string(), platform: z.enum(['webpush', 'fcm', 'apns']) }) },
  },
  { method: 'del', path: '/me/devices/:deviceId/push', summary: "Remove a device's push target", auth: 'bearer', answers: { 200: z.object({ deviceId: z.string(), removed: z.boolean() }) } },
  { method: 'put', path: '/me/push-settings', summary: 'Whether message text may appear in your pushes', auth: 'bearer', body: PushSettingsBody, answers: { 200: PushSettingsBody } },
  { method: 'get', path: '/push/vapid-public-key', summary: 'The Web Push applicationServerKey', auth: 'none', answers: { 200: z.object({ publicKey: z.string() }) } },
  { method: 'get', path: '/healthz', summary: 'The process runs', auth: 'none', answers: { 200: z.object({ status: z.literal('ok') }) } },
  {
    method: 'get', path: '/readyz', summary: 'The node serves: database and presence answer, not fenced, not draining', auth: 'none',
    answers: {
      200: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.boolean()) }),
      503: z.object({ status: z.enum(['not_ready', 'draining']), checks: z.record(z.string(), z.boolean()) }),
    },
  },
  {
    method: 'get', path: '/admin/node', summary: 'The actors this node serves (operators)', auth: 'operator',
    answers: { 200: z.object({ nodeId: z.string(), fenced: z.boolean(), actors: z.array(z.object({ roomId: z.string(), since: EpochMs })) }) },
  },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', auth: 'none', answers: { 200: z.string() }, contentType: 'text/plain' },
  {
    method: 'post', path: '/matchmake/:method/:roomName', summary: 'Reserve a seat in an actor (joinOrCreate, reconnect), as @colyseus/sdk does', auth: 'bearer',
    body: z.record(z.string(), z.unknown()),
    answers: { 200: z.looseObject({ name: z.string(), roomId: z.string(), processId: z.string(), sessionId: z.string() }) },
  },
  { method: 'get', path: '/openapi.json', summary: 'This document', auth: 'none', answers: { 200: z.looseObject({ openapi: z.string() }) } },
  { method: 'get', path: '/app/', summary: 'The reference web app', auth: 'none', answers: { 200: z.string() }, contentType: 'text/html' },
  {
    method: 'get', path: '/app/:file', summary: "A file of the web app, by exact name: its page (text/html), script (text/javascript) and styles (text/css)", auth: 'none',
    answers: { 200: z.string() }, contentType: 'text/html',
  },
];
