import { HARNESS_JWT_SECRET } from '../../loadtest/harness/secrets';
import { sanctionedEmailKeys } from '../../server/auth/emailKeys';

/** The keys a harness node (no EMAIL_SANCTION_SECRET, the harness's JWT_SECRET) keeps erased accounts' sanctions under. */
export const harnessEmailKeys = sanctionedEmailKeys(HARNESS_JWT_SECRET);
