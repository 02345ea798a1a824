// Bundles the reference web app into dist/app (served by every node at /app/).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.resolve(here, '../dist/app');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(here, 'main.ts')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  outfile: path.join(out, 'app.js'),
  logLevel: 'warning',
});
for (const file of ['index.html', 'styles.css']) copyFileSync(path.join(here, file), path.join(out, file));
