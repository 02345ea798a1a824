/** A lock whose holder stopped refreshing it for this long is taken for a dead process's. */
export const DATA_DIR_LOCK_STALE_MS = 5_000;
/** How often the holder refreshes its lock. */
const REFRESH_MS = 1_000;
/** How long a second process waits for a lock before refusing: past the staleness of a crashed holder's. */
const WAIT_ATTEMPTS = 7;
const WAIT_STEP_MS = 1_000;

/** The refusal when another process holds the embedded data folder; it names the folder. */
export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string, options?: { cause?: unknown }) {
    super(`DATA_DIR_IN_USE: the embedded database folder ${dataDir} is in use by another Kismet process (a running node or \`npm run migrate\`); stop it, or give this one its own KISMET_DATA_DIR`, options);
    this.name = 'DataDirInUseError';
  }
}

/**
 * Takes the embedded database folder for this process's life: PGlite is a
 * single-process engine, and two processes on one folder lose each other's
 * writes. The lock is `<folder>.lock` beside it, refreshed every second; one
 * left by a process that died goes stale after DATA_DIR_LOCK_STALE_MS, so a
 * restarted node waits that long at most. `onLost` runs if the lock is taken
 * from under this process (it stalled past the staleness, or the lock was
 * removed): it must stop using the folder.
 *
 * @example
 * const release = await lockDataDir('/srv/kismet/.data/pglite', (e) => process.exit(1));
 * // ... open and use the database ...
 * await release();
 */
export async function lockDataDir(dataDir: string, onLost: (error: Error) => void): Promise<() => Promise<void>> {
  // Loaded here, not with this module: proper-lockfile hooks the process's signals (to drop
  // its locks on exit) as it loads, and a process that never locks a folder (a load
  // generator reading Postgres) must keep its own SIGINT handling.
  const { default: lockfile } = await import('proper-lockfile');
  try {
    return await lockfile.lock(dataDir, {
      stale: DATA_DIR_LOCK_STALE_MS,
      update: REFRESH_MS,
      retries: { retries: WAIT_ATTEMPTS, factor: 1, minTimeout: WAIT_STEP_MS, maxTimeout: WAIT_STEP_MS },
      onCompromised: onLost,
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOCKED') throw new DataDirInUseError(dataDir, { cause: error });
    throw error;
  }
}
