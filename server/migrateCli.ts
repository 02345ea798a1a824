import { loadConfig } from './config';
import { openDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';

/** `npm run migrate`: brings the configured database up to date and exits non-zero on failure. */
async function run(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config.database, {
    onHoldLost: (error) => {
      process.stderr.write(`kismet migrate: lost the lock on the data folder; stopping: ${error.message}\n`);
      process.exit(1);
    },
  });
  try {
    const outcome = await migrateToLatest(database.db);
    for (const name of outcome.applied) process.stdout.write(`applied ${name}\n`);
    if (outcome.error) {
      process.stderr.write(`migration failed: ${String(outcome.error)}\n`);
      process.exitCode = 1;
    } else if (outcome.applied.length === 0) {
      process.stdout.write('schema is up to date\n');
    }
  } finally {
    await database.close();
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
