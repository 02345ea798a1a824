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

export type LoadJob = ConnectionsJob | EchoJob;

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
  | { readonly type: 'result'; readonly result: LoadResult };
