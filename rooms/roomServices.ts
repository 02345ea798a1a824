import type { Kysely } from 'kysely';
import type { StoreOutcome, ThreadBatch } from '../db/repositories/messageRepository';
import type { Database } from '../db/types';
import type { SheddableTraffic } from '../domain/loadShedding';
import type { RateLimiter } from './rateLimiter';
import type { AccessTokenService } from '../server/auth/accessTokens';
import type { Logger } from '../server/logger';
import type { NodeMetrics } from '../server/metrics';
import type { ThreadSignalBus, UserEventBus } from './topicBus';
import type { WithdrawnCards } from './withdrawnCards';
import type { CallServices } from './callCommands';
import type { AttendanceLedger } from './attendanceLedger';

/** What actors need from the node they run on. */
export interface RoomServices extends CallServices {
  readonly db: Kysely<Database>;
  readonly accessTokens: AccessTokenService;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
  readonly userEvents: UserEventBus;
  readonly threadSignals: ThreadSignalBus;
  /** Stores a thread's next messages, sharing commits with the node's other threads. */
  readonly storeMessages: (batch: ThreadBatch) => Promise<StoreOutcome>;
  readonly matching: { readonly dailyLikeQuota: number; readonly h3Resolution: number };
  /** This node's id in the cluster (Colyseus process id). */
  readonly nodeId: () => string;
  readonly now: () => Date;
  /** True when this node is behind enough to drop this kind of traffic now (domain/loadShedding). */
  readonly shouldShed: (traffic: SheddableTraffic) => boolean;
  readonly rateLimits: RateLimiter;
  /** Cards and owners withdrawn from discovery lately, cluster-wide. */
  readonly withdrawn: WithdrawnCards;
  /** Seats and attendance of live events, written in shared batches. */
  readonly attendance: AttendanceLedger;
  /** The longest a command waits for its answer before it is answered UNAVAILABLE (DEPENDENCY_TIMEOUT_MS). */
  readonly commandTimeoutMs: number;
}

// Colyseus constructs rooms itself (and runs static onAuth before any room exists),
// so the node's services reach them through this one process-wide slot, set at boot.
let current: RoomServices | undefined;

export function setRoomServices(services: RoomServices | undefined): void {
  current = services;
}

export function roomServices(): RoomServices {
  if (!current) throw new Error('room services used before the node booted');
  return current;
}
