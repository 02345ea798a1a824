import { type Kysely, sql } from 'kysely';

// Frozen in time: this migration never imports application types and never changes.
// The whole schema of the specification, so later features add behaviour, not tables.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('member').check(sql`role in ('member', 'recruiter', 'admin')`))
    .addColumn('is_premium', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'banned')`))
    .addColumn('shadow_banned', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('presence', 'text', (c) => c.notNull().defaultTo('offline').check(sql`presence in ('online', 'away', 'offline')`))
    .addColumn('last_seen_at', 'timestamptz')
    .addColumn('lat', 'double precision')
    .addColumn('lng', 'double precision')
    .addColumn('h3_cell', 'text')
    .addColumn('event_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('family_id', 'uuid', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('refresh_tokens_family_idx').on('refresh_tokens').column('family_id').execute();

  await db.schema
    .createTable('cards')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('person', 'job')`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('bio', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('birth_year', 'integer')
    .addColumn('experience_years', 'integer')
    .addColumn('salary_min', 'integer')
    .addColumn('salary_max', 'integer')
    .addColumn('work_authorizations', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('remote', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('culture', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('verified', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('lat', 'double precision')
    .addColumn('lng', 'double precision')
    .addColumn('h3_cell', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('cards_owner_idx').on('cards').column('owner_id').execute();
  await db.schema.createIndex('cards_cell_idx').on('cards').columns(['h3_cell', 'kind']).where(sql.ref('active'), '=', true).execute();

  await db.schema
    .createTable('preferences')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('max_distance_km', 'integer', (c) => c.notNull().defaultTo(25))
    .addColumn('age_min', 'integer')
    .addColumn('age_max', 'integer')
    .addColumn('salary_min', 'integer')
    .addColumn('remote_only', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('min_experience_years', 'integer')
    .addColumn('work_authorizations', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('card_kind', 'text', (c) => c.check(sql`card_kind in ('person', 'job')`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('swipes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('from_card_id', 'uuid', (c) => c.notNull().references('cards.id').onDelete('cascade'))
    .addColumn('to_card_id', 'uuid', (c) => c.notNull().references('cards.id').onDelete('cascade'))
    .addColumn('swiper_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('like', 'pass', 'superlike')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('swipes_pair_unique', ['from_card_id', 'to_card_id'])
    .execute();
  await db.schema.createIndex('swipes_to_card_idx').on('swipes').columns(['to_card_id', 'kind']).execute();
  await db.schema.createIndex('swipes_swiper_day_idx').on('swipes').columns(['swiper_id', 'created_at']).execute();

  await db.schema
    .createTable('matches')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('card_a_id', 'uuid', (c) => c.notNull().references('cards.id').onDelete('cascade'))
    .addColumn('card_b_id', 'uuid', (c) => c.notNull().references('cards.id').onDelete('cascade'))
    .addColumn('user_a_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('user_b_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'unmatched', 'blocked')`))
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .addUniqueConstraint('matches_pair_unique', ['card_a_id', 'card_b_id'])
    .addCheckConstraint('matches_pair_ordered', sql`card_a_id < card_b_id`)
    .execute();

  await db.schema
    .createTable('match_members')
    .addColumn('match_id', 'uuid', (c) => c.notNull().references('matches.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('match_members_pk', ['match_id', 'user_id'])
    .execute();
  await db.schema.createIndex('match_members_user_idx').on('match_members').column('user_id').execute();

  await db.schema
    .createTable('messages')
    .addColumn('match_id', 'uuid', (c) => c.notNull().references('matches.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('sender_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_message_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('text', 'media')`))
    .addColumn('body', 'text')
    .addColumn('media_url', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .addPrimaryKeyConstraint('messages_pk', ['match_id', 'seq'])
    .addUniqueConstraint('messages_client_id_unique', ['match_id', 'sender_id', 'client_message_id'])
    .execute();

  await db.schema
    .createTable('read_markers')
    .addColumn('match_id', 'uuid', (c) => c.notNull().references('matches.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('last_read_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('read_markers_pk', ['match_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('stored_events')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('stored_events_pk', ['user_id', 'seq'])
    .execute();

  await db.schema
    .createTable('device_cursors')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('acked_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('device_cursors_pk', ['user_id', 'device_id'])
    .execute();

  await db.schema
    .createTable('calls')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('match_id', 'uuid', (c) => c.notNull().references('matches.id').onDelete('cascade'))
    .addColumn('caller_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('callee_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('livekit_room', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('ringing', 'accepted', 'ended', 'declined', 'missed', 'cancelled')`),
    )
    .addColumn('media', 'text', (c) => c.notNull().defaultTo('audio').check(sql`media in ('audio', 'video')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text')
    .execute();
  await db.schema.createIndex('calls_match_idx').on('calls').column('match_id').execute();

  await db.schema
    .createTable('call_participants')
    .addColumn('call_id', 'uuid', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('joined_at', 'timestamptz')
    .addColumn('left_at', 'timestamptz')
    .addPrimaryKeyConstraint('call_participants_pk', ['call_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('host_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('job_card_id', 'uuid', (c) => c.notNull().references('cards.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull().check(sql`capacity > 0`))
    .addColumn('attendee_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('scheduled').check(sql`status in ('scheduled', 'open', 'live', 'ended', 'cancelled')`))
    .addColumn('starting_notified_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('events_starts_at_idx').on('events').column('starts_at').execute();

  await db.schema
    .createTable('event_hosts')
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('event_hosts_pk', ['event_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('registrations')
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('starting_notified_at', 'timestamptz')
    .addPrimaryKeyConstraint('registrations_pk', ['event_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('attendance')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('joined_at', 'timestamptz', (c) => c.notNull())
    .addColumn('left_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('attendance_event_idx').on('attendance').columns(['event_id', 'user_id']).execute();

  await db.schema
    .createTable('blocks')
    .addColumn('blocker_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('blocked_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('blocks_pk', ['blocker_id', 'blocked_id'])
    .execute();
  await db.schema.createIndex('blocks_blocked_idx').on('blocks').column('blocked_id').execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('reporter_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('reported_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('context_kind', 'text', (c) => c.notNull().check(sql`context_kind in ('profile', 'message', 'call', 'event')`))
    .addColumn('context_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'reports', 'blocks', 'attendance', 'registrations', 'event_hosts', 'events', 'call_participants',
    'calls', 'device_cursors', 'stored_events', 'read_markers', 'messages', 'match_members', 'matches',
    'swipes', 'preferences', 'cards', 'refresh_tokens', 'users',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
