/**
 * The typed client of the web face, generated from its OpenAPI document (api.gen.ts, built by
 * `npm run build`): paths, bodies and answers are checked by tsc. State changes carry the CSRF token
 * (fetched once from /csrf; its secret lives in an HttpOnly cookie).
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './api.gen';
import { errorKey } from './error-key';
import i18n from './i18n';

export type Schemas = components['schemas'];

let csrf: Promise<string> | null = null;

function csrfToken(): Promise<string> {
  csrf ??= fetch('/api/web/csrf', { credentials: 'same-origin' })
    .then((r) => r.json() as Promise<{ token: string }>)
    .then((b) => b.token)
    .catch((err) => {
      csrf = null;
      throw err;
    });
  return csrf;
}

const withCsrf: Middleware = {
  async onRequest({ request }) {
    if (request.method !== 'GET') request.headers.set('x-csrf-token', await csrfToken());
    return request;
  },
};

export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  credentials: 'same-origin',
});
api.use(withCsrf);

/** A refused request: the server's English message and its failure code (for the catalogue). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly params?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The catalogue's sentence for a failure code and its facts, or `english` (the server's) if none. */
export function failureText(
  code: string,
  params: Record<string, string> | undefined,
  english: string,
): string {
  const key = `errors.${errorKey(code, params)}`;
  return i18n.exists(key) ? i18n.t(key, params ?? {}) : english;
}

/**
 * What to tell the customer about a failed request, in their language: the catalogue's entry for the
 * failure code (with the failure's facts filled in); the server's English text when the catalogue has
 * none; a network message when the panel could not be reached.
 */
export function errorText(err: unknown): string {
  if (err === null || err === undefined) return '';
  if (err instanceof ApiError) return failureText(err.code, err.params, err.message);
  if (err instanceof TypeError) return i18n.t('errors.network');
  return err instanceof Error ? err.message : String(err);
}

/** The answer's data, or an ApiError with the server's message. */
export async function unwrap<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const r = await p;
  if (r.data !== undefined && r.response.ok) return r.data;
  const e = (r.error ?? {}) as { error?: string; code?: string; params?: Record<string, string> };
  throw new ApiError(
    r.response.status,
    e.code ?? 'unknown',
    e.error ?? `HTTP ${r.response.status}`,
    e.params,
  );
}
