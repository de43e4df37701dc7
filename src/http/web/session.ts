/**
 * The web session as the face sees it: the HttpOnly cookie that carries the token, and the signed-in
 * user of a request (resolved by a use case in the plugin's preHandler hook for routes that need one).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../accounts/users.repo.js';

export const SESSION_COOKIE = 'smm_session';
const SESSION_MAX_AGE_S = 14 * 86_400;

export interface WebCaller {
  user: User;
  sessionId: number;
}

const callers = new WeakMap<FastifyRequest, WebCaller>();

export function setCaller(req: FastifyRequest, c: WebCaller): void {
  callers.set(req, c);
}

/** The signed-in caller; routes marked public never call this. */
export function callerOf(req: FastifyRequest): WebCaller {
  const c = callers.get(req);
  if (!c) throw Object.assign(new Error('no session'), { statusCode: 401 });
  return c;
}

/** The signed-in caller, or null on a route with an optional session and nobody signed in. */
export function callerOrNull(req: FastifyRequest): WebCaller | null {
  return callers.get(req) ?? null;
}

/**
 * The cookies' path: `/api`, so the admin face (/api/admin) sees the same session and CSRF secret as
 * the customer face (/api/web). Cookies set before on `/api/web` are cleared when a new one is set.
 */
export const COOKIE_PATH = '/api';
const OLD_COOKIE_PATH = '/api/web';

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, { path: OLD_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure });
  reply.setCookie(SESSION_COOKIE, token, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: SESSION_MAX_AGE_S,
  });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, { path: OLD_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure });
  reply.clearCookie(SESSION_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure });
}
