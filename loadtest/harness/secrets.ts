/**
 * What test and benchmark nodes sign with, known to the harness so that tests
 * can mint their own tokens and LiveKit webhooks. Public by being here: never
 * for a deployment (a node refuses short or well-known secrets outside a local
 * development node, and these are only ever passed by the harness).
 */
export const HARNESS_JWT_SECRET = 'kismet-harness-signing-secret-never-deploy-0123456789';
export const HARNESS_LIVEKIT = { apiKey: 'kismet-harness', apiSecret: 'kismet-harness-livekit-secret-never-deploy-0123' } as const;

/**
 * Variables every harness node gets unless the caller says otherwise: the
 * secrets above, registration unthrottled, since every test account comes
 * from the same address (the throttle has its own test), and photos on any
 * https host, as test cards name made-up ones (a node on Postgres or Redis
 * is no local development node and would otherwise need them listed).
 */
export const HARNESS_DEFAULTS: Readonly<Record<string, string>> = {
  JWT_SECRET: HARNESS_JWT_SECRET,
  LIVEKIT_API_KEY: HARNESS_LIVEKIT.apiKey,
  LIVEKIT_API_SECRET: HARNESS_LIVEKIT.apiSecret,
  RATE_LIMITS: 'register.address=100000:100000',
  MEDIA_HOSTS: '*',
};
