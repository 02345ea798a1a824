import type { TemplatedApp } from 'uWebSockets.js';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../../domain/errors';
import type { AuthService } from '../auth/authService';
import { LoginBody, RefreshBody, RegisterBody } from './authContracts';
import { jsonReply, parseJsonObject, route, type HttpCall } from './uwsHttp';

function parseBody<S extends z.ZodType>(schema: S, call: HttpCall): z.infer<S> {
  const parsed = schema.safeParse(parseJsonObject(call));
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new AppError(ErrorCode.INVALID_BODY, detail);
  }
  return parsed.data;
}

export function mountAuthRoutes(
  app: TemplatedApp,
  auth: AuthService,
  options: { readonly maxBodyBytes: number; readonly onError: (error: unknown) => void },
): void {
  route(app, 'post', '/auth/register', async (call) => jsonReply(201, await auth.register(parseBody(RegisterBody, call))), options);
  route(app, 'post', '/auth/login', async (call) => jsonReply(200, await auth.login(parseBody(LoginBody, call))), options);
  route(app, 'post', '/auth/refresh', async (call) => jsonReply(200, await auth.refresh(parseBody(RefreshBody, call).refreshToken)), options);
  route(app, 'post', '/auth/logout', async (call) => {
    await auth.logout(parseBody(RefreshBody, call).refreshToken);
    return jsonReply(200, { ok: true });
  }, options);
}
