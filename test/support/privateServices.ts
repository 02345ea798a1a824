import { privateServiceBinaries } from '../../loadtest/harness/privateServices';

export { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '../../loadtest/harness/privateServices';

/** The binaries, or the suite skipped with the reason (failed under CI=true, where nothing may skip). */
export function privateServicesOrSkip(context: Mocha.Context): { redisServer: string; pgBin: string } | undefined {
  const found = privateServiceBinaries();
  if (found) return found;
  const reason = 'needs redis-server and PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin) to run private services';
  if (process.env['CI'] === 'true') throw new Error(`CI: ${reason}`);
  process.stdout.write(`      skipped: ${reason}\n`);
  context.skip();
  return undefined;
}
