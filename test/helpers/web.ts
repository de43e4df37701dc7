/**
 * A browser-like client of the web face through inject: it keeps the cookies the panel sets (session,
 * CSRF secret) and sends the CSRF token on state changes, unless told not to.
 */
import type { FastifyInstance } from 'fastify';
import { resetPassword } from '../../src/accounts/reset-password.js';
import type { Executor } from '../../src/db/executor.js';
import { adminActor } from './actor.js';

export interface WebAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected by the tests
  body: any;
  headers: Record<string, unknown>;
}

/** `/csrf` is the web face's; a path starting with `/api/` (e.g. `/api/admin/users`) is taken as is. */
const url = (path: string) => (path.startsWith('/api/') ? path : `/api/web${path}`);

export class WebClient {
  readonly cookies = new Map<string, string>();
  #csrf: string | null = null;

  /** `userAgent`: the User-Agent this "browser" sends (none by default); `extra`: more headers on every request. */
  constructor(
    private readonly app: FastifyInstance,
    private readonly userAgent?: string,
    private readonly extra: Record<string, string> = {},
  ) {}

  #cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #headers(): Record<string, string> {
    const h: Record<string, string> = { ...this.extra, cookie: this.#cookieHeader() };
    if (this.userAgent !== undefined) h['user-agent'] = this.userAgent;
    return h;
  }

  #remember(res: { cookies: { name: string; value: string; maxAge?: number; expires?: Date }[] }) {
    for (const c of res.cookies) {
      const gone = c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() <= Date.now());
      if (gone) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }

  async csrfToken(): Promise<string> {
    if (this.#csrf) return this.#csrf;
    const r = await this.get('/csrf');
    this.#csrf = r.body.token as string;
    return this.#csrf;
  }

  async get(path: string): Promise<WebAnswer> {
    const res = await this.app.inject({
      method: 'GET',
      url: url(path),
      headers: this.#headers(),
    });
    this.#remember(res);
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null, headers: res.headers };
  }

  async post(path: string, body: unknown = undefined, opts: { csrf?: boolean } = {}): Promise<WebAnswer> {
    const token = opts.csrf !== false ? await this.csrfToken() : null;
    const headers = this.#headers();
    if (token !== null) headers['x-csrf-token'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.app.inject({
      method: 'POST',
      url: url(path),
      headers,
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    this.#remember(res);
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null, headers: res.headers };
  }

  signIn(username: string, password: string) {
    return this.post('/auth/sign-in', { username, password });
  }
}

/**
 * A new client signed in as `username`, after the operator set its web password (`resetPassword`,
 * as the first admin): how the web tests get a customer's or a staff member's session.
 */
export async function signedInClient(
  app: FastifyInstance,
  db: Executor,
  username: string,
  opts: { password?: string; userAgent?: string } = {},
): Promise<WebClient> {
  const password = opts.password ?? 'correct horse battery';
  const set = await resetPassword({ db, actor: await adminActor(db), username, password });
  if (!set.ok) throw new Error(`password for ${username}: ${set.failure.code}`);
  const c = new WebClient(app, opts.userAgent);
  const r = await c.signIn(username, password);
  if (r.status !== 200) throw new Error(`sign-in of ${username}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return c;
}
