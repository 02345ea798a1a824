import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { SheddableTraffic } from '../domain/loadShedding';
import type { RateLimiter } from '../services/rateLimiter';
import type { ThreadSignalBus, UserEventBus } from '../services/topicBus';
import type { WithdrawnCards } from '../services/withdrawnCards';
import type { RecentBlocks } from '../services/recentBlocks';
import type { RecentStandings } from '../services/recentStandings';
import type { EditedCards } from '../services/editedCards';
import type { CallMetrics, CallServices } from '../services/calls';
import type { AttendanceLedger } from '../db/attendanceLedger';
import type { SessionLedger } from '../db/sessionLedger';
import type { ThreadReads } from '../db/threadReads';
import type { BatchedSwipeStore } from '../db/batchedSwipeStore';
import type { ChatStore } from './chat/chatStore';
import type { MediaHosts } from '../domain/hostNames';
import type { RateRule } from '../domain/rateLimits';
import type { EventAliasKeys } from '../services/eventAliases';

/** What a seat remembers of the access token it was reserved with, to check it again when it is taken. */
export interface SeatToken {
  readonly sessionId: string | undefined;
  readonly issuedAtMs: number;
}

/** Checks an access token (server/auth implements it): the user it speaks for, or a coded refusal. */
export interface TokenVerifier {
  verify(token: string | undefined | null): Promise<SeatToken & { readonly userId: string }>;
  /**
   * Why a token verified earlier would be refused now (its account banned or erased,
   * its session logged out since), if it would: a seat reserved with it is not
   * taken. A lookup in memory, in the revocations every node hears.
   */
  revocationOf(token: SeatToken & { readonly userId: string }): 'user' | 'session' | undefined;
}

/** Structured logging, as pino does it: context first, then the message. */
export interface ActorLogger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

type Labels = Readonly<Record<string, string>>;

/** The figures actors keep (server/metrics implements them with Prometheus). */
export interface ActorMetrics extends CallMetrics {
  readonly rooms: { inc(labels: { kind: string }): void; dec(labels: { kind: string }): void };
  readonly actorCreationsDiscarded: { inc(labels: { kind: string }): void };
  readonly connections: { inc(): void; dec(): void };
  readonly messagesIn: { inc(labels: Labels): void };
  readonly messagesOut: { inc(labels: Labels, value?: number): void };
  /** Messages over their connection's rate: `refused`, or the one that `closed` the connection. */
  readonly messagesOverPace: { inc(labels: { kind: string; outcome: 'refused' | 'closed' }): void };
  readonly errors: { inc(labels: { code: string }): void };
  readonly commandLatency: { observe(labels: Labels, seconds: number): void };
  readonly chatMessagesStored: { inc(value?: number): void };
}

/**
 * Which devices have a connection to their session now, cluster-wide: a push
 * worker sends nothing to a device that got the event live (server/push implements it).
 */
export interface ConnectedDevices {
  connected(userId: string, deviceId: string): Promise<void>;
  disconnected(userId: string, deviceId: string): Promise<void>;
}

/** What actors need from the node they run on. */
export interface RoomServices extends CallServices {
  readonly db: Kysely<Database>;
  readonly accessTokens: TokenVerifier;
  readonly metrics: ActorMetrics;
  readonly logger: ActorLogger;
  readonly userEvents: UserEventBus;
  readonly threadSignals: ThreadSignalBus;
  /** Where threads store their messages, sharing commits with the node's other threads. */
  readonly chatStore: ChatStore;
  readonly matching: { readonly dailyLikeQuota: number; readonly h3Resolution: number };
  /** Where media messages' URLs may point (MEDIA_HOSTS). */
  readonly mediaHosts: MediaHosts;
  /** This node's id in the cluster (Colyseus process id). */
  readonly nodeId: () => string;
  readonly now: () => Date;
  /** True when this node is behind enough to drop this kind of traffic now (domain/loadShedding). */
  readonly shouldShed: (traffic: SheddableTraffic) => boolean;
  readonly rateLimits: RateLimiter;
  /** Cards and owners withdrawn from discovery lately, cluster-wide. */
  readonly withdrawn: WithdrawnCards;
  /** Cards edited lately, as they are now, cluster-wide. */
  readonly edited: EditedCards;
  /** Blocks made lately, cluster-wide, and the live events of the node that hear each as it is made. */
  readonly recentBlocks: RecentBlocks;
  /** Shadow-bans set or lifted lately, cluster-wide, and the live events of the node that hear each as it is made. */
  readonly standings: RecentStandings;
  /** Seats and attendance of live events, written in shared batches. */
  readonly attendance: AttendanceLedger;
  /** The node's swipe reads and writes, in shared flushes (one write in flight). */
  readonly swipes: BatchedSwipeStore;
  /** Sessions' account reads at admission, stream positions of joining devices, presence writes and devices' acknowledgements, in shared batches. */
  readonly sessions: SessionLedger;
  /** Door checks of joins to threads and loads of thread actors being created, in shared batches. */
  readonly threads: ThreadReads;
  readonly connectedDevices: ConnectedDevices;
  /** What one connection may send its actor, of any type (CONNECTION_MESSAGE_*; domain/messagePace.ts). */
  readonly connectionMessages: RateRule;
  /** How live events name their attendees to each other (never by user id). */
  readonly eventAliases: EventAliasKeys;
  /** The longest a command waits for its answer before it is answered UNAVAILABLE (DEPENDENCY_TIMEOUT_MS). */
  readonly commandTimeoutMs: number;
  /** How long an actor outlives its last connection (ACTOR_LINGER_MS). */
  readonly actorLingerMs: number;
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
