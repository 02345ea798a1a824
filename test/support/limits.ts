/**
 * Node variables that lift the per-user rate limits and each connection's, for tests that
 * send floods on purpose to see something else (races, slow readers, hostile payloads).
 * The connection's own limit is shown by test/security/connectionFlood.test.ts.
 */
export const UNLIMITED_RATES: Readonly<Record<string, string>> = {
  MESSAGE_RATE_PER_S: '100000',
  MESSAGE_BURST: '100000',
  SWIPE_RATE_PER_S: '100000',
  SWIPE_BURST: '100000',
  CONNECTION_MESSAGE_RATE_PER_S: '100000',
  CONNECTION_MESSAGE_BURST: '100000',
};

/**
 * Node variables that keep a node from shedding typing, profile-view and "nearby now"
 * traffic however far its event loop falls behind: suites check that such traffic
 * arrives, and must not depend on how busy the shared test machine is. Shedding
 * itself is tested on its own (test/domain/loadShedding.test.ts).
 */
export const NO_SHEDDING: Readonly<Record<string, string>> = { EVENT_LOOP_LAG_LIMIT_MS: '60000' };
