import type { Kysely } from 'kysely';
import { finishErasures } from '../db/repositories/accountErasureRepository';
import { pruneRetained } from '../db/repositories/retentionRepository';
import type { Database } from '../db/types';
import { announceOwedErasures } from '../services/erasureAnnouncements';
import type { ModerationDeps } from '../services/moderation';
import type { Config } from './config';
import type { Logger } from './logger';
import type { NodeMetrics } from './metrics';

/**
 * Every node runs this timer; each round, one node of the cluster (whichever
 * takes the database's advisory lock) prunes the stored events that were
 * delivered and are older than the retention age, the refresh tokens past
 * their expiry, the cursors of devices not seen for the retention age, and the push targets of
 * sessions no longer live. The others find it busy.
 * Each node also finishes any account erasure whose second step did not run
 * (`finishErasures`: idempotent, so two nodes at once do no harm), and tells the
 * cluster of any erasure it was not told of (`announceOwedErasures`: its node
 * stopped, or a part failed, after the erasure committed; told twice, no harm).
 */
export function startRetentionJob(deps: {
  readonly db: Kysely<Database>;
  /** What telling the cluster of an erasure needs. */
  readonly moderation: ModerationDeps;
  readonly retention: Config['retention'];
  readonly now: () => Date;
  readonly logger: Logger;
  readonly metrics: Pick<NodeMetrics, 'retentionRuns' | 'storedEventsPruned'>;
}): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const now = deps.now();
    const before = new Date(now.getTime() - deps.retention.storedEventMaxAgeMs);
    const tokensExpiredBefore = new Date(now.getTime() - deps.retention.spentTokenKeptMs);
    pruneRetained(deps.db, { eventsBefore: before, tokensExpiredBefore, cursorsSeenBefore: before })
      .then((outcome) => {
        deps.metrics.retentionRuns.inc({ outcome: outcome.kind });
        if (outcome.kind === 'busy') return;
        deps.metrics.storedEventsPruned.inc(outcome.events);
        if (outcome.events > 0) deps.logger.info({ events: outcome.events, before }, 'pruned delivered stored events');
        if (outcome.refreshTokens > 0) deps.logger.info({ refreshTokens: outcome.refreshTokens }, 'pruned expired refresh tokens');
        if (outcome.deviceCursors > 0) deps.logger.info({ deviceCursors: outcome.deviceCursors, before }, 'pruned the cursors of devices not seen since');
        if (outcome.pushTargets > 0) deps.logger.info({ pushTargets: outcome.pushTargets }, 'deleted the push targets of ended sessions');
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'pruning stored events and refresh tokens failed; retried next period'))
      .then(() => finishErasures(deps.db, deps.now()))
      .then((finished) => {
        if (finished > 0) deps.logger.info({ accounts: finished }, 'finished account erasures left half done');
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'finishing account erasures failed; retried next period'))
      .then(() => announceOwedErasures(deps.moderation))
      .then(({ told, failures }) => {
        if (told > 0) deps.logger.info({ accounts: told }, 'told the cluster of account erasures it was owed');
        for (const { userId, error } of failures) deps.logger.warn({ err: error, userId }, 'telling the cluster of an account erasure failed; retried next period');
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'reading the account erasures owed to the cluster failed; retried next period'))
      .finally(() => (running = false));
  }, deps.retention.pruneIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
