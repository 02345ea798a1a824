/** Node variables that lift the per-user rate limits, for tests that send floods on purpose. */
export const UNLIMITED_RATES: Readonly<Record<string, string>> = {
  MESSAGE_RATE_PER_S: '100000',
  MESSAGE_BURST: '100000',
  SWIPE_RATE_PER_S: '100000',
  SWIPE_BURST: '100000',
};
