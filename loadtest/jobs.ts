/** What the orchestrator asks a load worker to do, and what it answers. Shared by both sides. */
export interface ConnectionsJob {
  readonly kind: 'connections';
  readonly nodeUrls: readonly string[];
  readonly users: ReadonlyArray<{ userId: string; accessToken: string }>;
  /** New connections per second from this worker, on a fixed timetable. */
  readonly connectRatePerS: number;
  readonly holdS: number;
  readonly heartbeatIntervalMs: number;
}

export interface EchoJob {
  readonly kind: 'echo';
  readonly url: string;
  readonly connections: number;
  /** Messages per second from this worker, spread over its connections on a fixed timetable. */
  readonly ratePerS: number;
  readonly durationS: number;
}

/** One swipe of the plan: which of the worker's users swipes which card how. */
export interface PlannedSwipe {
  readonly user: number;
  readonly toCardId: string;
  readonly action: 'like' | 'pass' | 'superlike';
}

export interface SwipesJob {
  readonly kind: 'swipes';
  readonly nodeUrls: readonly string[];
  /** The worker's users; users 2p and 2p+1 are the two sides of pair p. */
  readonly users: ReadonlyArray<{ userId: string; accessToken: string; cardId: string }>;
  readonly connectRatePerS: number;
  /** Swipes per second from this worker, on a fixed timetable through the plan. */
  readonly ratePerS: number;
  readonly plan: readonly PlannedSwipe[];
  /** Seconds into the swipes after which latencies also count as warm (harness/warmSplit). */
  readonly warmAfterS: number;
}

/** A thread of the chat scenario: its match and its two members. */
export interface BenchThread {
  readonly matchId: string;
  readonly members: readonly [{ userId: string; accessToken: string }, { userId: string; accessToken: string }];
}

export interface ChatJob {
  readonly kind: 'chat';
  readonly nodeUrls: readonly string[];
  readonly threads: readonly BenchThread[];
  readonly connectRatePerS: number;
  /** Messages per second from this worker, on a fixed timetable over its threads. */
  readonly ratePerS: number;
  readonly durationS: number;
  /** Seconds into the sends after which latencies also count as warm (harness/warmSplit). */
  readonly warmAfterS: number;
  /** Only the first member of each thread joins and sends; the other is away and is told of each message in their event stream. */
  readonly away: boolean;
}

export interface DeckJob {
  readonly kind: 'deck';
  readonly nodeUrls: readonly string[];
  /** The worker's searchers, each with the card it asks a deck for. */
  readonly users: ReadonlyArray<{ userId: string; accessToken: string; cardId: string }>;
  readonly connectRatePerS: number;
  /** Cold decks per second from this worker: each searcher's first deck, built by its lobby. */
  readonly coldRatePerS: number;
  /** Cached decks per second from this worker, round robin over its searchers, for `durationS`. */
  readonly cachedRatePerS: number;
  readonly durationS: number;
  readonly deckSize: number;
}

export interface EventJoinJob {
  readonly kind: 'event-join';
  readonly nodeUrls: readonly string[];
  readonly eventId: string;
  /** Registered attendees: all join at the go signal, hold, then all leave at once. */
  readonly users: ReadonlyArray<{ userId: string; accessToken: string }>;
  readonly holdS: number;
  /** This worker's attendees who raise and lower their hands through the hold, and who say something (none: a quiet hold). */
  readonly raisers: number;
  readonly talkers: number;
}

export interface ReconnectJob {
  readonly kind: 'reconnect';
  /** The node every victim session is opened on (the only node up while they connect). */
  readonly victimUrl: string;
  /** Users whose sessions the victim holds; they rejoin when it dies. */
  readonly victims: ReadonlyArray<{ userId: string; accessToken: string }>;
  /** Users whose sessions the surviving nodes hold: they must stay connected throughout. */
  readonly bystanders: ReadonlyArray<{ userId: string; accessToken: string }>;
  readonly connectRatePerS: number;
  /** Seconds after the kill before a session not served again counts as an error. */
  readonly recoveryTimeoutS: number;
}

/** The harness's signals to a reconnect worker: the surviving nodes are up, and when the victim was killed. */
export type ReconnectSignal =
  | { readonly type: 'go'; readonly stage: 'survivors'; readonly survivorUrls: readonly string[] }
  | { readonly type: 'go'; readonly stage: 'killed'; readonly killedAtMs: number };

export type LoadJob = ConnectionsJob | EchoJob | SwipesJob | ChatJob | DeckJob | EventJoinJob | ReconnectJob;

export interface LoadResult {
  readonly ops: number;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** Histograms (HDR, compressed base64) by name. */
  readonly histograms: Readonly<Record<string, string>>;
  readonly counters: Readonly<Record<string, number>>;
}

export type WorkerMessage =
  | { readonly type: 'ramped'; readonly connected: number }
  | { readonly type: 'phase'; readonly name: string }
  | { readonly type: 'result'; readonly result: LoadResult };
