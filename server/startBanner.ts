import type { Config } from './config';
import { DEVELOPMENT_JWT_SECRET, DEVELOPMENT_LIVEKIT } from './environment';

/** Where the reference web app is served on a node, relative to its URL. */
export const WEB_APP_PATH = '/app/';

/** What the start banner tells a person. */
export interface BannerFacts {
  readonly url: string;
  readonly database: 'embedded' | 'postgres';
  readonly presence: 'local' | 'redis';
  /** Secrets that anyone could know or that only this machine keeps: fine on a laptop, not in a deployment. */
  readonly developmentSecrets: readonly string[];
}

/** The facts of the banner, from the configuration. */
export function bannerFacts(config: Config): BannerFacts {
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
  const developmentSecrets: string[] = [];
  if (config.auth.secretSource === 'data-folder') developmentSecrets.push('the token signing secret was made by this node (set JWT_SECRET)');
  if (config.auth.jwtSecret === DEVELOPMENT_JWT_SECRET) developmentSecrets.push('JWT_SECRET is the public development secret');
  if (config.liveKit.keySource !== 'environment') developmentSecrets.push('the LiveKit key was made by this node (set LIVEKIT_API_KEY and LIVEKIT_API_SECRET)');
  if (config.liveKit.apiSecret === DEVELOPMENT_LIVEKIT.apiSecret) developmentSecrets.push("LIVEKIT_API_SECRET is LiveKit's public development secret");
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`,
    database: config.database.kind === 'postgres' ? 'postgres' : 'embedded',
    presence: config.redis ? 'redis' : 'local',
    developmentSecrets,
  };
}

/**
 * The few lines a person reads when a node starts in a terminal (the logs
 * before it are for machines): where it serves, on what, and a warning while
 * development secrets are in use.
 */
export function startBanner(facts: BannerFacts): string {
  const lines = [
    '',
    `  Kismet is running at ${facts.url}`,
    `  web app   ${facts.url}${WEB_APP_PATH}`,
    `  HTTP API  ${facts.url}/openapi.json`,
    `  database  ${facts.database === 'embedded' ? 'embedded (PGlite, in the data folder)' : 'Postgres (DATABASE_URL)'}`,
    `  presence  ${facts.presence === 'local' ? 'local (this process alone)' : 'Redis (REDIS_URL): a cluster node'}`,
  ];
  if (facts.developmentSecrets.length > 0) {
    lines.push('', '  Warning: development secrets are in use; do not expose this node:');
    for (const secret of facts.developmentSecrets) lines.push(`    - ${secret}`);
  }
  return `${lines.join('\n')}\n\n`;
}
