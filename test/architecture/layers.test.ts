import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/** The repository root (this file runs from dist/test/architecture). */
const ROOT = path.resolve(__dirname, '../../..');

/**
 * What each top-level folder may import, besides itself: every layer only
 * downward. `loadtest → server → rooms → services → db → domain`, with the
 * contracts (message and body schemas, importable by a client alone) just
 * above the domain. The client library (`client/`, the package
 * `@kismet/client`) stands on the contracts alone, and the web app on it; the
 * load tests drive it too, where a benchmark needs a device's own behaviour
 * (rejoining after a node dies).
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  domain: [],
  contracts: ['domain'],
  db: ['domain'],
  services: ['db', 'contracts', 'domain'],
  rooms: ['services', 'db', 'contracts', 'domain'],
  server: ['rooms', 'services', 'db', 'contracts', 'domain'],
  loadtest: ['server', 'rooms', 'services', 'db', 'client', 'contracts', 'domain'],
  client: ['contracts', 'domain'],
  web: ['client', 'contracts', 'domain'],
};

/** Packages the client library and the web app may import: they run in browsers, so no Node built-ins. */
const BROWSER_LAYERS = ['client', 'web'];
const BROWSER_PACKAGES = ['@colyseus/sdk', 'zod'];

/** Narrower rules inside a layer: HTTP routes are served by services, never by actors. */
const MAY_NOT_IMPORT: ReadonlyArray<[string, string, string]> = [['server/http/', 'rooms/', 'an HTTP route imports an actor']];

const MAX_LINES = 300;
const MAX_ACTOR_LINES = 200;
const ACTORS = ['rooms/session/SessionRoom.ts', 'rooms/chat/ChatThreadRoom.ts', 'rooms/lobby/LobbyRoom.ts', 'rooms/event/LiveEventRoom.ts'];
/** Files that may be long: migrations are frozen in time, and the schema's types mirror the tables. */
const LONG_ALLOWED = [/^db\/migrations\//, /^db\/types\.ts$/];

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(relative);
    }
  };
  for (const layer of Object.keys(MAY_IMPORT)) walk(layer);
  return files;
}

/** The repository files a source file imports (named, side-effect, dynamic and re-exports), resolved from its relative specifiers. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s+|import\s*\(\s*|require\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((spec) => {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec.replace(/\.js$/, '')));
    return fs.existsSync(path.join(ROOT, `${base}.ts`)) ? `${base}.ts` : `${base}/index.ts`;
  });
}

const layerOf = (file: string) => file.split('/')[0]!;

/** Whether `file` is imported, directly or not, by a file of `layers`. */
function graphReaches(graph: ReadonlyMap<string, readonly string[]>, layers: readonly string[], file: string): boolean {
  const reached = new Set<string>();
  const visit = (f: string) => {
    if (reached.has(f)) return;
    reached.add(f);
    for (const target of graph.get(f) ?? []) visit(target);
  };
  for (const start of graph.keys()) if (layers.includes(layerOf(start))) visit(start);
  return reached.has(file);
}

describe('architecture', () => {
  const files = sourceFiles();
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('has every layer import only the layers below it', () => {
    const crossings: string[] = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        const from = layerOf(file);
        const to = layerOf(target);
        if (from !== to && !MAY_IMPORT[from]!.includes(to)) crossings.push(`${file} -> ${target}`);
        for (const [prefix, forbidden, why] of MAY_NOT_IMPORT) {
          if (file.startsWith(prefix) && target.startsWith(forbidden)) crossings.push(`${file} -> ${target} (${why})`);
        }
      }
    }
    assert.ok(files.length > 100, `read ${files.length} files`);
    assert.deepEqual(crossings, []);
  });

  it('keeps the client library and the web app free of Node built-ins and server packages', () => {
    const foreign: string[] = [];
    for (const file of files.filter((f) => BROWSER_LAYERS.includes(layerOf(f)) || graphReaches(graph, BROWSER_LAYERS, f))) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)['"]([^'".][^'"]*)['"]/g)) {
        if (!BROWSER_PACKAGES.includes(match[1]!)) foreign.push(`${file} -> ${match[1]}`);
      }
    }
    assert.deepEqual(foreign, []);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it(`keeps source files under ${MAX_LINES} lines and the four actors under ${MAX_ACTOR_LINES}`, () => {
    const lines = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').length;
    const long = files.filter((f) => !LONG_ALLOWED.some((re) => re.test(f)) && lines(f) > MAX_LINES).map((f) => `${f}: ${lines(f)}`);
    assert.deepEqual(long, []);
    assert.deepEqual(ACTORS.filter((f) => lines(f) > MAX_ACTOR_LINES).map((f) => `${f}: ${lines(f)}`), []);
  });
});
