import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { PhotoRef } from '../domain/cardRules';

/** Timestamps read back as Date and may be written as Date or ISO text. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** pg returns bigint as text; callers convert at the repository edge. */
type BigIntColumn = ColumnType<string, number | bigint | string, number | bigint | string>;
type DefaultBigInt = ColumnType<string, number | bigint | string | undefined, number | bigint | string>;
type Json<T> = ColumnType<T, string, string>;
/** A JSON column with a database default. */
type JsonDefault<T> = ColumnType<T, string | undefined, string>;

export type UserRole = 'member' | 'recruiter' | 'admin';
export type UserStatus = 'active' | 'banned';
export type PresenceStatus = 'online' | 'away' | 'offline';

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: ColumnType<UserRole, UserRole | undefined, UserRole>;
  is_premium: ColumnType<boolean, boolean | undefined, boolean>;
  status: ColumnType<UserStatus, UserStatus | undefined, UserStatus>;
  shadow_banned: ColumnType<boolean, boolean | undefined, boolean>;
  presence: ColumnType<PresenceStatus, PresenceStatus | undefined, PresenceStatus>;
  last_seen_at: Timestamp | null;
  lat: number | null;
  lng: number | null;
  h3_cell: string | null;
  /** When the location was last set. */
  located_at: Timestamp | null;
  /** Whether message text may appear in this user's pushes. */
  push_previews: ColumnType<boolean, boolean | undefined, boolean>;
  event_seq: DefaultBigInt;
  likes_received: DefaultBigInt;
  created_at: DefaultTimestamp;
  /** An operator verified the account: its cards carry `verified`, new ones too. */
  verified: ColumnType<boolean, boolean | undefined, boolean>;
  /** Set when the person deleted the account: the row stays, emptied, so others' threads keep their history. */
  deleted_at: Timestamp | null;
  /**
   * What the cluster is still owed of the account's erasure (accountErasureRepository's
   * `ErasureAnnouncement`), from its transaction until every part was told; null otherwise.
   */
  erasure_announcement: ColumnType<unknown, string | null | undefined, string | null>;
  /** The id of the last swipe the person rewound (`deletePass`): none more until a newer swipe. */
  last_rewound_swipe_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RefreshTokensTable {
  id: string;
  user_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Timestamp;
  created_at: DefaultTimestamp;
  used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  /** The token this one was rotated into (the latest, when a retry within the grace replaced it). */
  rotated_into: string | null;
}

export interface CardsTable {
  id: string;
  owner_id: string;
  kind: 'person' | 'job';
  title: string;
  bio: ColumnType<string, string | undefined, string>;
  tags: JsonDefault<Array<{ tag: string; weight: number }>>;
  birth_year: number | null;
  experience_years: number | null;
  salary_min: number | null;
  salary_max: number | null;
  work_authorizations: JsonDefault<string[]>;
  remote: ColumnType<boolean, boolean | undefined, boolean>;
  culture: JsonDefault<Record<string, number>>;
  verified: ColumnType<boolean, boolean | undefined, boolean>;
  lat: number | null;
  lng: number | null;
  h3_cell: string | null;
  /** The coarse cell holding h3_cell (domain/geo coarseCellOf), for long-distance searches. */
  h3_coarse: string | null;
  /** When lat/lng were last set: a job moves no faster than a person, measured from here. */
  located_at: Timestamp | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  /** A job card's company: its owner's when it was posted (null for a person card, or a recruiter in none). */
  company_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Ordered photo references (https URL, size, optional blurhash); the bytes live with the app's storage. */
  photos: JsonDefault<PhotoRef[]>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface PreferencesTable {
  user_id: string;
  max_distance_km: ColumnType<number, number | undefined, number>;
  age_min: number | null;
  age_max: number | null;
  salary_min: number | null;
  remote_only: ColumnType<boolean, boolean | undefined, boolean>;
  min_experience_years: number | null;
  work_authorizations: Json<string[]>;
  card_kind: 'person' | 'job' | null;
  updated_at: DefaultTimestamp;
}

export interface SwipesTable {
  id: Generated<string>;
  from_card_id: string;
  to_card_id: string;
  swiper_id: string;
  kind: 'like' | 'pass' | 'superlike';
  created_at: DefaultTimestamp;
}

export interface LikePairsTable {
  card_a_id: string;
  card_b_id: string;
  a_likes_b: ColumnType<boolean, boolean | undefined, boolean>;
  b_likes_a: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface MatchesTable {
  id: string;
  card_a_id: string;
  card_b_id: string;
  user_a_id: string;
  user_b_id: string;
  status: ColumnType<'active' | 'unmatched' | 'blocked', 'active' | 'unmatched' | 'blocked' | undefined>;
  last_seq: DefaultBigInt;
  created_at: DefaultTimestamp;
  ended_at: Timestamp | null;
}

export interface MatchMembersTable {
  match_id: string;
  user_id: string;
  added_at: DefaultTimestamp;
  /** 'party': one of the two matched people; 'colleague': a recruiter the job's owner added. */
  role: ColumnType<'party' | 'colleague', 'party' | 'colleague' | undefined>;
  /** Who added a colleague (the job card's owner); null for the parties. */
  added_by: string | null;
}

export interface CompaniesTable {
  id: string;
  name: string;
  created_at: DefaultTimestamp;
}

/** A recruiter's company: one at most per account. */
export interface CompanyMembersTable {
  user_id: string;
  company_id: string;
  added_at: DefaultTimestamp;
}

export interface MessagesTable {
  match_id: string;
  seq: BigIntColumn;
  sender_id: string;
  client_message_id: string;
  kind: 'text' | 'media';
  body: string | null;
  media_url: string | null;
  created_at: DefaultTimestamp;
  deleted_at: Timestamp | null;
  /** Sent while the sender was shadow-banned: shown to the sender alone. */
  hidden: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface ReadMarkersTable {
  match_id: string;
  user_id: string;
  last_read_seq: DefaultBigInt;
  updated_at: DefaultTimestamp;
}

export interface StoredEventsTable {
  user_id: string;
  seq: BigIntColumn;
  type: string;
  payload: Json<unknown>;
  created_at: DefaultTimestamp;
}

export interface DeviceCursorsTable {
  user_id: string;
  device_id: string;
  acked_seq: DefaultBigInt;
  last_seen_at: DefaultTimestamp;
}

export type CallState = 'ringing' | 'accepted' | 'ended' | 'declined' | 'missed' | 'cancelled';

export interface CallsTable {
  id: string;
  match_id: string;
  caller_id: string;
  callee_id: string;
  livekit_room: string;
  state: CallState;
  media: ColumnType<'audio' | 'video', 'audio' | 'video' | undefined>;
  created_at: DefaultTimestamp;
  accepted_at: Timestamp | null;
  ended_at: Timestamp | null;
  end_reason: string | null;
  /** Started by a shadow-banned caller: it rang nobody, and is in nobody else's way. */
  hidden: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface CallParticipantsTable {
  call_id: string;
  user_id: string;
  joined_at: Timestamp | null;
  left_at: Timestamp | null;
}

export interface EventsTable {
  id: string;
  host_id: string;
  job_card_id: string;
  title: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  capacity: number;
  attendee_count: ColumnType<number, number | undefined, number>;
  /** Which instance of the event's actor the seats are counted for (each new one adds one). */
  seat_generation: ColumnType<number, number | undefined, number>;
  status: ColumnType<'scheduled' | 'open' | 'live' | 'ended' | 'cancelled', 'scheduled' | undefined>;
  starting_notified_at: Timestamp | null;
  created_at: DefaultTimestamp;
}

export interface EventHostsTable {
  event_id: string;
  user_id: string;
}

export interface RegistrationsTable {
  event_id: string;
  user_id: string;
  created_at: DefaultTimestamp;
  starting_notified_at: Timestamp | null;
}

export interface AttendanceTable {
  id: Generated<string>;
  event_id: string;
  user_id: string;
  joined_at: Timestamp;
  left_at: Timestamp | null;
  /** The event's seat generation this attendance was opened in. */
  generation: ColumnType<number, number | undefined, never>;
}

/** A host removed this person from the event; they are refused at the door from then on. */
export interface EventRemovalsTable {
  event_id: string;
  user_id: string;
  removed_by: string;
  removed_at: DefaultTimestamp;
}

/**
 * Access tokens refused before they expire: every token of a user issued
 * before `revoked_at` (`user`, give or take the clocks' tolerance), or every token of
 * one log-in session (`session`, the refresh-token family). Kept until `expires_at`,
 * when such tokens are dead anyway, and a node reads each for at least its own
 * lifetime past `revoked_at` (domain/revocationList.ts revocationLifetimeMs).
 */
export interface TokenRevocationsTable {
  id: Generated<string>;
  kind: 'user' | 'session';
  subject: string;
  revoked_at: Timestamp;
  expires_at: Timestamp;
}

export interface BlocksTable {
  blocker_id: string;
  blocked_id: string;
  created_at: DefaultTimestamp;
}

export interface ReportsTable {
  id: string;
  reporter_id: string;
  reported_id: string;
  context_kind: 'profile' | 'message' | 'call' | 'event';
  context_id: string | null;
  reason: string;
  created_at: DefaultTimestamp;
  status: ColumnType<'open' | 'resolved', 'open' | 'resolved' | undefined, 'open' | 'resolved'>;
  resolved_at: Timestamp | null;
  resolution: string | null;
  resolution_note: string | null;
}

/** Every operator action, append-only (a trigger refuses updates and deletes). */
export interface OperatorAuditTable {
  id: Generated<string>;
  at: DefaultTimestamp;
  action: string;
  target_kind: string;
  target_id: string;
  detail: JsonDefault<Record<string, unknown>>;
}

/** Where a device is reached when its app is closed; registered by the log-in session `session_id`. */
export interface PushTargetsTable {
  user_id: string;
  device_id: string;
  platform: 'webpush' | 'fcm' | 'apns';
  target: Json<unknown>;
  session_id: string | null;
  updated_at: DefaultTimestamp;
}

/** A push owed to one device for one event, written with the event; leased, delivered, then pruned. */
export interface PushOutboxTable {
  id: Generated<string>;
  user_id: string;
  device_id: string;
  kind: string;
  event_seq: string | null;
  payload: Json<unknown>;
  created_at: DefaultTimestamp;
  due_at: DefaultTimestamp;
  attempts: ColumnType<number, number | undefined, number>;
  leased_until: Timestamp | null;
  state: ColumnType<'pending' | 'done' | 'skipped' | 'dead', 'pending' | undefined, 'pending' | 'done' | 'skipped' | 'dead'>;
  reason: string | null;
  finished_at: Timestamp | null;
}

/** A domain event owed to the platform's bus, written with the fact it reports; leased, published, then pruned. */
export interface DomainEventOutboxTable {
  id: Generated<string>;
  type: string;
  data: Json<unknown>;
  occurred_at: DefaultTimestamp;
  due_at: DefaultTimestamp;
  attempts: ColumnType<number, number | undefined, number>;
  leased_until: Timestamp | null;
  state: ColumnType<'pending' | 'done' | 'dead', 'pending' | undefined, 'pending' | 'done' | 'dead'>;
  reason: string | null;
  finished_at: Timestamp | null;
}

/** One counted action of a user: its key makes it count once. */
export interface ProgressLedgerTable {
  user_id: string;
  action_key: string;
  action: string;
  xp: number;
  /** The UTC day it counted on (YYYY-MM-DD). */
  day: ColumnType<string, string, string>;
  created_at: DefaultTimestamp;
}

export interface UserProgressTable {
  user_id: string;
  xp: DefaultBigInt;
  updated_at: DefaultTimestamp;
}

export interface QuestProgressTable {
  user_id: string;
  day: ColumnType<string, string, string>;
  quest_id: string;
  count: ColumnType<number, number | undefined, number>;
}

export interface Database {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  cards: CardsTable;
  preferences: PreferencesTable;
  swipes: SwipesTable;
  like_pairs: LikePairsTable;
  matches: MatchesTable;
  match_members: MatchMembersTable;
  messages: MessagesTable;
  read_markers: ReadMarkersTable;
  /** The threads a person left as a colleague: their messages stay there (an erasure finds them through this). */
  colleague_departures: { user_id: string; match_id: string };
  stored_events: StoredEventsTable;
  device_cursors: DeviceCursorsTable;
  calls: CallsTable;
  livekit_webhooks: { id: string; received_at: ColumnType<Date, Date | undefined, never> };
  call_participants: CallParticipantsTable;
  events: EventsTable;
  event_hosts: EventHostsTable;
  registrations: RegistrationsTable;
  attendance: AttendanceTable;
  blocks: BlocksTable;
  reports: ReportsTable;
  event_removals: EventRemovalsTable;
  token_revocations: TokenRevocationsTable;
  push_targets: PushTargetsTable;
  push_outbox: PushOutboxTable;
  domain_event_outbox: DomainEventOutboxTable;
  operator_audit: OperatorAuditTable;
  progress_ledger: ProgressLedgerTable;
  user_progress: UserProgressTable;
  quest_progress: QuestProgressTable;
  companies: CompaniesTable;
  company_members: CompanyMembersTable;
  sanctioned_emails: SanctionedEmailsTable;
}

/** An erased account's sanctions, kept by a keyed hash of its email (db/repositories/sanctionedEmailRepository.ts). */
export interface SanctionedEmailsTable {
  email_key: string;
  banned: boolean;
  shadow_banned: boolean;
  user_id: string;
  erased_at: Date;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
