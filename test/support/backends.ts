import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NO_SHEDDING } from './limits';
import { createScratchDatabase, servicesOrSkip } from './services';

/** A database a single-node suite runs against; suites loop over every one, as kysely loops its dialects. */
export interface Backend {
  readonly name: string;
  /** Variables for a node on this backend; called again for a restart on the same data. */
  setup(context: Mocha.Context): Promise<{ env: Record<string, string>; teardown(): Promise<void> } | undefined>;
}

export const BACKENDS: readonly Backend[] = [
  {
    name: 'embedded (PGlite, in-process presence)',
    async setup() {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-test-'));
      return { env: { KISMET_DATA_DIR: dataDir, ...NO_SHEDDING }, teardown: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'Postgres',
    async setup(context) {
      const services = servicesOrSkip(context, { postgres: true });
      if (!services) return undefined;
      const scratch = await createScratchDatabase(services.databaseUrl);
      return { env: { DATABASE_URL: scratch.url, ...NO_SHEDDING }, teardown: () => scratch.drop() };
    },
  },
];

