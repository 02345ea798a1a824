import fs from 'node:fs';
import path from 'node:path';
import type { TemplatedApp } from 'uWebSockets.js';
import { ErrorCode } from '../../domain/errors';
import { addressHost } from '../environment';
import { isCanonicalPath } from './requestPaths';
import { errorReply, route, type HttpReply, type RouteOptions } from './uwsHttp';

/** Where every node serves the reference web app. */
export const WEB_APP_PATH = '/app/';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The page's Content Security Policy. It talks to the node that served it ('self', which
 * covers its WebSockets too) and, in a cluster, opens its actor connections to whichever
 * node holds the actor (the SDK connects to that node's public address): the nodes on this
 * node's public host, any port (PM2's nodes of one machine), and on the cluster's other
 * machines (CLUSTER_HOSTS). Nothing else: no scheme-wide source that would let a script
 * send the tokens anywhere. A host given as an IPv6 literal has no CSP form, and is left out.
 */
export function webAppPolicy(http: { readonly publicAddress: string | undefined; readonly clusterHosts: readonly string[] }): string {
  const hosts = http.publicAddress === undefined ? [] : [addressHost(http.publicAddress), ...http.clusterHosts];
  const nodes = [...new Set(hosts)].filter((host) => /^[A-Za-z0-9.-]+$/.test(host)).flatMap((host) => [`ws://${host}:*`, `wss://${host}:*`]);
  const connect = ["'self'", ...nodes].join(' ');
  return `default-src 'self'; connect-src ${connect}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
}

interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * Every file of the built app (`npm run build` puts it in dist/app), read once
 * at start. Requests are answered from this table alone, by exact name: no
 * request path ever reaches the file system, so no crafted path (`/app/../`,
 * encoded dots, a symlink) can read anything else.
 */
export function loadWebApp(dir: string): ReadonlyMap<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile() && CONTENT_TYPES[path.extname(entry.name)] !== undefined) {
        files.set(name, { body: fs.readFileSync(path.join(dir, name)), contentType: CONTENT_TYPES[path.extname(entry.name)]! });
      }
    }
  };
  if (fs.existsSync(dir)) walk('');
  return files;
}

/** Where `npm run build` bundles the app: dist/app, beside dist/server. */
export const WEB_APP_DIR = path.resolve(__dirname, '../../app');

/** GET /app/ and its files; the page under `policy` (webAppPolicy). */
export function mountWebAppRoute(app: TemplatedApp, options: RouteOptions & { readonly policy: string }, dir = WEB_APP_DIR): void {
  const files = loadWebApp(dir);
  const answer = (url: string): HttpReply => {
    if (!isCanonicalPath(url)) return errorReply(ErrorCode.INVALID_PATH, 'the path has dot segments, doubled slashes or encoded separators');
    const name = url.slice(WEB_APP_PATH.length) || 'index.html';
    const file = files.get(name);
    if (!file) {
      if (files.size === 0) return errorReply(ErrorCode.NOT_FOUND, 'the web app is not built here: run npm run build');
      return errorReply(ErrorCode.NOT_FOUND, 'no such file');
    }
    return {
      status: 200,
      body: file.body,
      contentType: file.contentType,
      headers: {
        'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=300',
        'x-content-type-options': 'nosniff',
        ...(file.contentType.startsWith('text/html') ? { 'content-security-policy': options.policy } : {}),
      },
    };
  };
  route(app, 'get', WEB_APP_PATH, (call) => answer(call.url), options);
  // One segment: the built app is flat (its page, script, styles and source map).
  route(app, 'get', `${WEB_APP_PATH}:file`, (call) => answer(call.url), options);
}
