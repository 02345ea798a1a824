/** The operator key test clusters run with (`ADMIN_API_KEY`): long enough for the production rule. */
export const ADMIN_KEY = 'kismet-test-admin-key-0123456789abcdef';
