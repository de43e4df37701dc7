/**
 * Helpers for the fulfilment-engine suites: a scripted upstream panel (a real HTTP server on
 * 127.0.0.1 speaking API v2, recording every form it receives, whose answers a test can replace), an
 * engine context with a test clock, and a bounded "run rounds until" loop. No sleeps: the engine is
 * driven round by round with workerRound.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Kysely } from 'kysely';
import { SYSTEM } from '../../src/audit/actor.js';
import type { DialectName } from '../../src/db/connect.js';
import type { Database } from '../../src/db/schema.js';
import { addProvider } from '../../src/providers/add-provider.js';
import { importServices } from '../../src/providers/import-services.js';
import type { EngineContext } from '../../src/worker/dispatch.js';
import { type WorkerSettings, workerSettings } from '../../src/worker/settings.js';
import { workerRound } from '../../src/worker/worker.js';
import { uniqueName } from './api.js';

/** What the scripted upstream answers to one request. */
export type Reply =
  /** `before` runs before the answer leaves (to change the world while the request is in flight). */
  | { json: unknown; before?: () => Promise<void> }
  | { status: number; body: string; type?: string }
  /** Keep the request open and never answer (until the server closes). */
  | { hang: true };

export interface UpstreamCall {
  action: string;
  params: Record<string, string>;
}

export interface UpstreamOrder {
  id: string;
  params: Record<string, string>;
  /** What `status` answers for this order (any JSON value). */
  entry: unknown;
  cancelAsked: number;
}

export type ActionHandler = (params: Record<string, string>, up: ScriptedUpstream) => Reply | undefined;

export interface ScriptedUpstream {
  url: string;
  port: number;
  key: string;
  /** Every request received, in order, including ones that were never answered. */
  calls: UpstreamCall[];
  callsOf(action: string): UpstreamCall[];
  /** The answer to `services` (a JSON value). */
  services: unknown;
  /** The answer to `balance`. */
  balance: string;
  orders: Map<string, UpstreamOrder>;
  /** Upstream refill id -> status text answered by `refill_status`. */
  refillStatus: Map<string, string>;
  /** Per-action replacements of the default answer; return undefined to fall through to the default. */
  handlers: Partial<Record<string, ActionHandler>>;
  /** Create an upstream order as `add` does (also used to resolve a review "sent"). */
  createOrder(params: Record<string, string>): UpstreamOrder;
  setStatus(id: string, entry: unknown): void;
  /** The upstream order created for this link (the tests give every order a distinct link). */
  orderByLink(link: string): UpstreamOrder | undefined;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Start a scripted API v2 upstream on 127.0.0.1 (on `port` when given, e.g. to come up on a known port). */
export async function startScriptedUpstream(
  opts: { port?: number; key?: string; services?: unknown; firstOrderId?: number } = {},
): Promise<ScriptedUpstream> {
  const key = opts.key ?? 'upstream-key';
  let nextOrder = opts.firstOrderId ?? 7000;
  let nextRefill = 300;
  const sockets = new Set<Socket>();

  const up: ScriptedUpstream = {
    url: '',
    port: 0,
    key,
    calls: [],
    callsOf: (action) => up.calls.filter((c) => c.action === action),
    services: opts.services ?? [],
    balance: '100.00',
    orders: new Map(),
    refillStatus: new Map(),
    handlers: {},
    createOrder(params) {
      const id = String(nextOrder++);
      const qty = params.quantity ?? '1';
      const o: UpstreamOrder = {
        id,
        params,
        entry: { charge: '0.1', start_count: '0', status: 'Pending', remains: qty, currency: 'USD' },
        cancelAsked: 0,
      };
      up.orders.set(id, o);
      return o;
    },
    setStatus(id, entry) {
      const o = up.orders.get(id);
      if (!o) throw new Error(`no upstream order ${id}`);
      o.entry = entry;
    },
    orderByLink(link) {
      for (const o of up.orders.values()) if (o.params.link === link || o.params.username === link) return o;
      return undefined;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const ids = (text: string | undefined) =>
    (text ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  function defaultReply(p: Record<string, string>): Reply {
    if (p.key !== key) return { json: { error: 'Invalid API key' } };
    switch (p.action) {
      case 'balance':
        return { json: { balance: up.balance, currency: 'USD' } };
      case 'services':
        return { json: up.services };
      case 'add':
        return { json: { order: Number(up.createOrder(p).id) } };
      case 'status': {
        if (p.orders !== undefined) {
          const out: Record<string, unknown> = {};
          for (const id of ids(p.orders))
            out[id] = up.orders.get(id)?.entry ?? { error: 'Incorrect order ID' };
          return { json: out };
        }
        return { json: up.orders.get(p.order ?? '')?.entry ?? { error: 'Incorrect order ID' } };
      }
      case 'cancel':
        return {
          json: ids(p.orders ?? p.order).map((id) => {
            const o = up.orders.get(id);
            if (!o) return { order: Number(id), cancel: { error: 'Incorrect order ID' } };
            o.cancelAsked++;
            return { order: Number(id), cancel: 'Your cancellation request has been received.' };
          }),
        };
      case 'refill': {
        const o = up.orders.get(p.order ?? '');
        if (!o) return { json: { error: 'Incorrect order ID' } };
        const id = String(nextRefill++);
        up.refillStatus.set(id, 'Pending');
        return { json: { refill: Number(id) } };
      }
      case 'refill_status':
        return {
          json: ids(p.refills ?? p.refill).map((id) => ({
            refill: Number(id),
            status: up.refillStatus.get(id) ?? { error: 'Refill not found' },
          })),
        };
      default:
        return { json: { error: 'Incorrect request' } };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const p: Record<string, string> = {};
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    for (const [k, v] of url.searchParams) p[k] = v;
    for (const [k, v] of new URLSearchParams(body)) p[k] = v;
    up.calls.push({ action: p.action ?? '', params: p });
    const custom = p.key === key ? up.handlers[p.action ?? '']?.(p, up) : undefined;
    const reply = custom ?? defaultReply(p);
    if ('hang' in reply) return; // never answered; closed with the server
    if ('json' in reply) {
      if (reply.before) await reply.before();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.json));
      return;
    }
    res.writeHead(reply.status, { 'content-type': reply.type ?? 'text/html' });
    res.end(reply.body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  up.port = (server.address() as AddressInfo).port;
  up.url = `http://127.0.0.1:${up.port}/api/v2`;
  return up;
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  data?: Record<string, unknown>;
}

/** The engine as a test drives it: one context, a clock that only moves forward, and its log. */
export interface TestEngine {
  ctx: EngineContext;
  logs: LogLine[];
  now(): number;
  /** Move the engine's clock forward (the API keeps real time, which stays behind it). */
  advance(ms: number): void;
  round(): Promise<number>;
  /** Run rounds until `cond` holds; throws after `maxRounds`. Returns the rounds it took. */
  until(cond: () => Promise<boolean>, maxRounds?: number, what?: string): Promise<number>;
  rounds(n: number): Promise<void>;
}

export function makeEngine(
  db: Kysely<Database>,
  dialect: DialectName,
  over: Partial<WorkerSettings> = {},
): TestEngine {
  let offset = 0;
  const now = () => Date.now() + offset;
  const logs: LogLine[] = [];
  const ctx: EngineContext = {
    db,
    settings: workerSettings(dialect, undefined, {
      syncBaseMs: 0,
      syncMaxMs: 0,
      idleMs: 0,
      httpTimeoutMs: 2000,
      // Large batches keep the number of rounds a test needs small.
      dispatchBatch: 50,
      staleSendingMs: 3_600_000,
      retryBaseMs: 60_000,
      retryMaxMs: 3_600_000,
      probeMs: 120_000,
      ...over,
    }),
    log: (level, msg, data) => {
      logs.push({ level, msg, ...(data ? { data } : {}) });
    },
    now,
  };
  const round = () => workerRound(ctx);
  return {
    ctx,
    logs,
    now,
    advance(ms) {
      offset += ms;
    },
    round,
    async until(cond, maxRounds = 30, what = 'condition') {
      for (let i = 0; i < maxRounds; i++) {
        if (await cond()) return i;
        await round();
      }
      if (await cond()) return maxRounds;
      throw new Error(`${what} not reached after ${maxRounds} rounds`);
    },
    async rounds(n) {
      for (let i = 0; i < n; i++) await round();
    },
  };
}

/** An upstream `services` entry with sensible defaults. */
export function upstreamService(
  service: number,
  over: Partial<{
    name: string;
    type: string;
    category: string;
    rate: string;
    min: number | string;
    max: number | string;
    dripfeed: boolean;
    refill: boolean;
    cancel: boolean;
  }> = {},
): Record<string, unknown> {
  return {
    service,
    name: over.name ?? `Upstream service ${service}`,
    type: over.type ?? 'Default',
    category: over.category ?? 'Instagram',
    rate: over.rate ?? '1.00',
    min: over.min ?? 10,
    max: over.max ?? 100000,
    dripfeed: over.dripfeed ?? false,
    refill: over.refill ?? false,
    cancel: over.cancel ?? false,
  };
}

/**
 * Connect an upstream as a provider and import its services, as an operator would (addProvider,
 * importServices). Returns the provider's id and the ids of the services created, in upstream order.
 */
export async function connectProvider(
  db: Kysely<Database>,
  up: { url: string; key: string },
  opts: { name: string; markupPercent?: string },
): Promise<{ providerId: number; created: number[] }> {
  const p = await addProvider({
    db,
    actor: SYSTEM,
    name: uniqueName(opts.name),
    url: up.url,
    apiKey: up.key,
  });
  if (!p.ok) throw new Error(JSON.stringify(p.failure));
  const r = await importServices({
    db,
    actor: SYSTEM,
    providerId: p.value.id,
    markupPercent: opts.markupPercent ?? '0',
  });
  if (!r.ok) throw new Error(JSON.stringify(r.failure));
  return { providerId: p.value.id, created: r.value.created };
}

/** An order's row in the sync's schedule (order_checks): its next check and unchanged count; null when it has none. */
export async function checkOf(
  db: Kysely<Database>,
  orderId: number,
): Promise<{ nextCheckAt: number; unchangedChecks: number } | null> {
  const r = await db
    .selectFrom('order_checks')
    .selectAll()
    .where('order_id', '=', orderId)
    .executeTakeFirst();
  return r ? { nextCheckAt: Number(r.next_check_at), unchangedChecks: Number(r.unchanged_checks) } : null;
}

/** The next check of an order that must have one. */
export async function nextCheckOf(db: Kysely<Database>, orderId: number): Promise<number> {
  const c = await checkOf(db, orderId);
  if (!c) throw new Error(`order ${orderId} has no status check scheduled`);
  return c.nextCheckAt;
}
