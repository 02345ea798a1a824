import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
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


/**
 * Registers a suite's hooks: one node on `backend`, with `env` on top of the
 * backend's, started before the suite's tests and stopped after (or the suite
 * skipped, outside CI, without the backend's service).
 */
export function useSingleNode(backend: Backend, env: Record<string, string | undefined> = {}): { readonly node: NodeHandle } {
  let node: NodeHandle | undefined;
  let teardown: () => Promise<void> = async () => {};
  before(async function () {
    const setup = await backend.setup(this);
    if (!setup) return;
    teardown = setup.teardown;
    node = await startNodeProcess({ ...setup.env, ...env });
  });
  after(async () => {
    await node?.stop();
    await teardown();
  });
  return {
    get node() {
      if (!node) throw new Error('the suite’s node is not running');
      return node;
    },
  };
}

/** useSingleNode on the embedded backend: for what only the embedded node does (its data folder, its secrets). */
export function useEmbeddedNode(env: Record<string, string | undefined> = {}): { readonly node: NodeHandle } {
  return useSingleNode(BACKENDS[0]!, env);
}
