import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { ModerationDeps } from '../services/moderation';
import type { UserEventBus } from '../services/topicBus';
import type { Config } from './config';
import type { Logger } from './logger';
import type { NodeMetrics } from './metrics';
import { startRetentionJob } from './retentionJob';
import { startStartingNotices } from './startingNotices';

/** The node's periodic jobs (event notices and attendance counts, retention); returns what stops them all. */
export function startBackgroundJobs(deps: {
  readonly db: Kysely<Database>;
  readonly userEvents: UserEventBus;
  /** What telling the cluster of an erasure needs (the retention round tells those it was not told of). */
  readonly moderation: ModerationDeps;
  readonly retention: Config['retention'];
  readonly now: () => Date;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
}): () => void {
  const stops = [
    startStartingNotices(deps),
    startRetentionJob({ ...deps, logger: deps.logger.child({ component: 'retention' }) }),
  ];
  return () => stops.forEach((stop) => stop());
}
