import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a headless Chromium on a CI machine: no sandbox (root), no GPU, nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** The built web app, and where the browser tests keep their screenshots. */
export const WEB_APP_DIR = path.resolve(__dirname, '../../app');
export const ARTIFACTS_DIR = path.resolve(__dirname, '../../../test-artifacts/browser');

/**
 * Chromium, or the suite skipped with the reason: outside CI only; under
 * CI=true a missing browser fails the suite (`.ci/run` installs it).
 */
export async function chromiumOrSkip(context: Mocha.Context): Promise<Browser | undefined> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;
    if (process.env['CI'] === 'true') throw new Error(`CI: ${reason}`);
    process.stdout.write(`      skipped: ${reason}\n`);
    context.skip();
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

const TYPES: Readonly<Record<string, string>> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/**
 * A tiny static server for the built app on a port of its own: a page on
 * another origin than the node, as an app hosted apart from its realtime server,
 * whose page names its node (`<meta name="kismet-node">`, web/settings.ts).
 */
export async function serveWebApp(nodeUrl: string): Promise<{ readonly url: string; close(): Promise<void> }> {
  const files = new Map(fs.readdirSync(WEB_APP_DIR).map((name) => [`/${name}`, fs.readFileSync(path.join(WEB_APP_DIR, name))]));
  const page = files.get('/index.html')!.toString('utf8').replace('<head>', `<head>\n    <meta name="kismet-node" content="${nodeUrl}" />`);
  files.set('/index.html', Buffer.from(page));
  const server = http.createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body = files.get(name === '/' ? '/index.html' : name);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(name === '/' ? 'index.html' : name)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
