import type { TemplatedApp } from 'uWebSockets.js';
import { spendOrRefuse, type RateLimiter } from '../../services/rateLimiter';
import type { AuthService } from '../auth/authService';
import { LoginBody, RefreshBody, RegisterBody } from '../../contracts/auth';
import { jsonReply, parseBody, route, type RouteOptions } from './uwsHttp';
import { rateLimitAddress } from './clientAddress';

export function mountAuthRoutes(
  app: TemplatedApp,
  auth: AuthService,
  rateLimits: RateLimiter,
  options: RouteOptions,
): void {
  route(app, 'post', '/auth/register', async (call) => {
    const body = parseBody(RegisterBody, call);
    // Each registration runs the password hash: an address (an IPv6 host's whole /64) gets a few, then waits.
    await spendOrRefuse(rateLimits, 'register.address', rateLimitAddress(call.remoteAddress));
    return jsonReply(201, await auth.register(body));
  }, options);
  route(app, 'post', '/auth/login', async (call) => {
    const body = parseBody(LoginBody, call);
    // Counted before the password is checked, so guessing costs attempts whatever the answer. An
    // account's bucket is per address: a stranger guessing elsewhere never locks its owner out.
    // An IPv6 address counts as its /64, which one host holds whole.
    const address = rateLimitAddress(call.remoteAddress);
    await spendOrRefuse(rateLimits, 'login.address', address);
    await spendOrRefuse(rateLimits, 'login.account', `${body.email.toLowerCase()} ${address}`);
    return jsonReply(200, await auth.login(body));
  }, options);
  // Anyone may send a token, and each one is looked up: an address (an IPv6 host's /64) gets
  // many devices' worth, then waits, before the database is asked anything.
  route(app, 'post', '/auth/refresh', async (call) => {
    const body = parseBody(RefreshBody, call);
    await spendOrRefuse(rateLimits, 'refresh.address', rateLimitAddress(call.remoteAddress));
    return jsonReply(200, await auth.refresh(body.refreshToken));
  }, options);
  route(app, 'post', '/auth/logout', async (call) => {
    const body = parseBody(RefreshBody, call);
    await spendOrRefuse(rateLimits, 'refresh.address', rateLimitAddress(call.remoteAddress));
    await auth.logout(body.refreshToken);
    return jsonReply(200, { ok: true });
  }, options);
}
