import type { Migration } from 'kysely/migration';
import * as initialSchema from './2026_11_22_0001_initial_schema';
import * as likePairs from './2026_11_23_0002_like_pairs';
import * as coarseCells from './2026_11_23_0003_coarse_cells';
import * as calls from './2026_11_23_0004_calls';
import * as hiddenMessages from './2026_11_23_0005_hidden_messages';
import * as security from './2026_12_02_0006_security';
import * as pushOutbox from './2026_12_02_0007_push_outbox';
import * as progress from './2026_12_02_0008_progress';
import * as moderationPhotosErasure from './2026_12_02_0009_moderation_photos_erasure';
import * as domainOutbox from './2026_12_02_0010_domain_outbox';
import * as companies from './2026_12_02_0011_companies';
import * as swipesWithoutSwiperKey from './2026_12_05_0012_swipes_without_swiper_key';
import * as swipeCardKeysByTableLock from './2026_12_05_0013_swipe_card_keys_by_table_lock';
import * as removedMessagesIndex from './2026_12_05_0014_removed_messages_index';
import * as pushOutboxWake from './2026_12_05_0015_push_outbox_wake';
import * as messagesWithoutKeys from './2026_12_06_0016_messages_without_keys';
import * as storedEventsWithoutKey from './2026_12_06_0017_stored_events_without_key';
import * as previewsOutsideThreads from './2026_12_06_0018_previews_outside_threads';
import * as erasuresInProgress from './2026_12_06_0019_erasures_in_progress';
import * as pushOutboxWithoutText from './2026_12_07_0020_push_outbox_without_text';
import * as hiddenCalls from './2026_12_07_0021_hidden_calls';
import * as liveCallsByPerson from './2026_12_08_0022_live_calls_by_person';
import * as webhooksByArrival from './2026_12_08_0023_webhooks_by_arrival';
import * as seatGenerations from './2026_12_09_0024_seat_generations';
import * as reportsOpenOnce from './2026_12_09_0025_reports_open_once';
import * as refreshTokensByExpiry from './2026_12_09_0026_refresh_tokens_by_expiry';
import * as erasuresByIndex from './2026_12_09_0027_erasures_by_index';
import * as pushTargetsUnique from './2026_12_09_0028_push_targets_unique';
import * as erasureAnnouncements from './2026_12_09_0031_erasure_announcements';
import * as refreshTokenSuccessors from './2026_12_09_0040_refresh_token_successors';
import * as eventsByHost from './2026_12_09_0075_events_by_host';
import * as rewoundSwipes from './2026_12_09_0080_rewound_swipes';
import * as sanctionedEmails from './2026_12_09_0085_sanctioned_emails';
import * as pushTargetSessions from './2026_12_09_0090_push_target_sessions';
import * as reportsOpenPerPair from './2026_12_09_0110_reports_open_per_pair';
import * as deviceCursorsByLastSeen from './2026_12_09_0111_device_cursors_by_last_seen';
import * as jobCardCompanies from './2026_12_09_0120_job_card_companies';
import * as jobPlacements from './2026_12_09_0125_job_placements';

/**
 * Every migration, by name. Names sort by time; the list only ever grows.
 * Kept as a static map so the compiled server needs no directory scanning.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '2026_11_22_0001_initial_schema': initialSchema,
  '2026_11_23_0002_like_pairs': likePairs,
  '2026_11_23_0003_coarse_cells': coarseCells,
  '2026_11_23_0004_calls': calls,
  '2026_11_23_0005_hidden_messages': hiddenMessages,
  '2026_12_02_0006_security': security,
  '2026_12_02_0007_push_outbox': pushOutbox,
  '2026_12_02_0008_progress': progress,
  '2026_12_02_0009_moderation_photos_erasure': moderationPhotosErasure,
  '2026_12_02_0010_domain_outbox': domainOutbox,
  '2026_12_02_0011_companies': companies,
  '2026_12_05_0012_swipes_without_swiper_key': swipesWithoutSwiperKey,
  '2026_12_05_0013_swipe_card_keys_by_table_lock': swipeCardKeysByTableLock,
  '2026_12_05_0014_removed_messages_index': removedMessagesIndex,
  '2026_12_05_0015_push_outbox_wake': pushOutboxWake,
  '2026_12_06_0016_messages_without_keys': messagesWithoutKeys,
  '2026_12_06_0017_stored_events_without_key': storedEventsWithoutKey,
  '2026_12_06_0018_previews_outside_threads': previewsOutsideThreads,
  '2026_12_06_0019_erasures_in_progress': erasuresInProgress,
  '2026_12_07_0020_push_outbox_without_text': pushOutboxWithoutText,
  '2026_12_07_0021_hidden_calls': hiddenCalls,
  '2026_12_08_0022_live_calls_by_person': liveCallsByPerson,
  '2026_12_08_0023_webhooks_by_arrival': webhooksByArrival,
  '2026_12_09_0024_seat_generations': seatGenerations,
  '2026_12_09_0025_reports_open_once': reportsOpenOnce,
  '2026_12_09_0026_refresh_tokens_by_expiry': refreshTokensByExpiry,
  '2026_12_09_0027_erasures_by_index': erasuresByIndex,
  '2026_12_09_0028_push_targets_unique': pushTargetsUnique,
  '2026_12_09_0031_erasure_announcements': erasureAnnouncements,
  '2026_12_09_0040_refresh_token_successors': refreshTokenSuccessors,
  '2026_12_09_0075_events_by_host': eventsByHost,
  '2026_12_09_0080_rewound_swipes': rewoundSwipes,
  '2026_12_09_0085_sanctioned_emails': sanctionedEmails,
  '2026_12_09_0090_push_target_sessions': pushTargetSessions,
  '2026_12_09_0110_reports_open_per_pair': reportsOpenPerPair,
  '2026_12_09_0111_device_cursors_by_last_seen': deviceCursorsByLastSeen,
  '2026_12_09_0120_job_card_companies': jobCardCompanies,
  '2026_12_09_0125_job_placements': jobPlacements,
};
