/**
 * Which Kismet node the app talks to: `?server=<origin>` (kept for next time),
 * else what was kept, else the origin that served the page (a node serves the
 * app at /app/).
 */
const SERVER_KEY = 'kismet.server';

export function serverUrl(): string {
  const fromQuery = new URLSearchParams(location.search).get('server');
  if (fromQuery) {
    localStorage.setItem(SERVER_KEY, fromQuery);
    return fromQuery.replace(/\/+$/, '');
  }
  return (localStorage.getItem(SERVER_KEY) ?? location.origin).replace(/\/+$/, '');
}

export function setServerUrl(url: string): void {
  if (url.trim() === '') localStorage.removeItem(SERVER_KEY);
  else localStorage.setItem(SERVER_KEY, url.trim());
}

/** A stable id for this browser, as a device of the account. */
export function deviceId(): string {
  const key = 'kismet.device';
  let id = localStorage.getItem(key);
  if (!id) {
    id = `web-${globalThis.crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem(key, id);
  }
  return id;
}
