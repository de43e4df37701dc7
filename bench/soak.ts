/**
 * `npm run soak -- --minutes N [--db sqlite|postgres] [--workers K] [--clients C] [--seed S]`: a bounded
 * soak test on 127.0.0.1. Runs together, for N minutes:
 * - the real panel as its own process (`smm-panel serve --no-worker`), on a fresh SQLite file (default)
 *   or a fresh Postgres database created on 127.0.0.1 and dropped at the end;
 * - C API clients (fetch, keep-alive) placing, following, canceling and refilling orders, asking
 *   balance and services, a few malformed requests among them; every answer is checked (HTTP 200,
 *   JSON, no "Internal error");
 * - a chaos upstream panel in this process: timeouts (answers held past the engine's timeout), HTML
 *   pages, 5xx, unreadable JSON, "Too many requests", refusals about the order and about our account,
 *   flapping and out-of-range statuses, slow answers; it counts the orders it creates per link;
 * - K worker processes (`smm-panel worker`), each SIGKILLed at a random moment and started again;
 * - the operator, through the CLI's use cases in this process: funds added and deducted, orders of the
 *   manual service settled by hand, orders in review resolved from what the upstream really received.
 * Then it stops the load, calms the upstream, lets the workers finish (bounded), stops everything and
 * checks every invariant: no order created upstream twice, money exact (ledger check clean; each
 * balance = initial + operator funds − kept charges; each accepted order charged rate × quantity /
 * 1000), no 5xx and no "Internal error" answer, every answer HTTP 200 JSON, the panel's RSS (start,
 * peak, end). Prints a table; exits 1 when an invariant failed. Not part of CI.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { createService } from '../src/catalog/create-service.js';
import { openDatabase } from '../src/db/connect.js';
import { seededRandom } from '../src/dev/seeded-random.js';
import { adjustFunds } from '../src/ledger/adjust-funds.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { formatAmount, parseAmount } from '../src/money.js';
import { listOrders } from '../src/orders/list-orders.js';
import type { OrderStatus } from '../src/orders/order.state.js';
import { resolveReview } from '../src/orders/resolve-review.js';
import { setOrderStatus } from '../src/orders/set-order-status.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { setProviderSendLimit } from '../src/providers/set-provider-send-limit.js';
import { benchAdmin } from './admin.js';
import { createPgDatabase, type PgDatabase, postgresProblem } from './pg.js';

// ---- settings -----------------------------------------------------------------------------------

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v ?? fallback;
}
const MINUTES = Number(arg('minutes', '10'));
const DB_KIND = arg('db', 'sqlite');
const WORKERS = Number(arg('workers', '2'));
const CLIENTS = Number(arg('clients', '8'));
const SEED = Number(arg('seed', String(Date.now() % 1_000_000)));
/** Each client's pause between requests, ms (uniform 0..THINK_MS). */
const THINK_MS = Number(arg('think', '100'));
const DRAIN_MS = 120_000;
if (!(MINUTES > 0) || !['sqlite', 'postgres'].includes(DB_KIND) || !(WORKERS >= 1) || !(CLIENTS >= 1)) {
  console.error(
    'usage: soak --minutes N [--db sqlite|postgres] [--workers K] [--clients C] [--seed S] [--think MS]',
  );
  process.exit(64);
}
const BIN = fileURLToPath(new URL('../../bin/smm-panel.js', import.meta.url));
const UPSTREAM_KEY = 'soak-upstream-key';
/** The engine's timings, short so that a soak of minutes sees many cycles. */
const WORKER_ENV = {
  WORKER_HTTP_TIMEOUT_MS: '2000',
  WORKER_STALE_SENDING_MS: '6000',
  WORKER_SYNC_BASE_MS: '500',
  WORKER_SYNC_MAX_MS: '4000',
  WORKER_RETRY_BASE_MS: '500',
  WORKER_RETRY_MAX_MS: '4000',
  WORKER_PROBE_MS: '3000',
  WORKER_IDLE_MS: '200',
};
/** Longer than WORKER_HTTP_TIMEOUT_MS: an answer held this long is a timeout for the engine. */
const HANG_MS = 2600;

const rnd = seededRandom(SEED);
const chance = (p: number) => rnd() < p;
const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (msg: string) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ---- the chaos upstream -------------------------------------------------------------------------

interface UpOrder {
  id: number;
  link: string;
  total: number;
  createdAt: number;
  outcome: 'Completed' | 'Partial' | 'Canceled';
  cancelAt: number | null;
}

const up = {
  calm: false,
  nextId: 900_000,
  nextRefill: 5000,
  orders: new Map<number, UpOrder>(),
  /** Orders created per link: more than one is an order sent twice. */
  createdByLink: new Map<string, number[]>(),
  addRequests: 0,
  addsAfterCreated: 0,
  refills: new Map<number, number>(),
  answers: new Map<string, number>(),
};
const countAnswer = (what: string) => up.answers.set(what, (up.answers.get(what) ?? 0) + 1);

function upstreamView(o: UpOrder, now: number): Record<string, unknown> {
  const age = now - o.createdAt;
  const base = { charge: '0.01', start_count: '100', currency: 'USD' };
  const ended = up.calm ? age > 300 : age > 4000;
  if (o.cancelAt !== null && now - o.cancelAt > 500)
    return age > 2000
      ? { ...base, status: 'Partial', remains: String(Math.max(1, Math.floor(o.total / 2))) }
      : { ...base, status: 'Canceled', remains: String(o.total) };
  if (!ended) {
    if (age < 1200) return { ...base, status: 'Pending', remains: String(o.total) };
    return { ...base, status: 'In progress', remains: String(Math.ceil(o.total / 2)) };
  }
  if (o.outcome === 'Completed') return { ...base, status: 'Completed', remains: '0' };
  if (o.outcome === 'Partial')
    return { ...base, status: 'Partial', remains: String(Math.max(1, Math.floor(o.total / 3))) };
  return { ...base, status: 'Canceled', remains: String(o.total) };
}

/** Flapping and garbage a real panel sends now and then, per entry. */
function chaoticEntry(o: UpOrder, now: number): unknown {
  const v = upstreamView(o, now);
  if (up.calm) return v;
  const r = rnd();
  if (r < 0.05) return { ...v, status: 'Pending', remains: String(o.total) }; // backwards
  if (r < 0.07) return { ...v, status: 'Weird status' };
  if (r < 0.09) return { ...v, status: 'In progress', remains: String(o.total + 50) };
  if (r < 0.1) return { ...v, remains: 'lots' };
  if (r < 0.11) return 'garbage';
  return v;
}

function createUpOrder(p: URLSearchParams): UpOrder {
  const link = p.get('link') ?? p.get('username') ?? '?';
  const quantity = Number(p.get('quantity') ?? '0');
  const comments = (p.get('comments') ?? '').split(/\r\n|\n|\r/).filter((l) => l.trim()).length;
  const runs = Number(p.get('runs') ?? '1') || 1;
  const total = (quantity > 0 ? quantity : Math.max(comments, 1)) * runs;
  const r = rnd();
  const o: UpOrder = {
    id: up.nextId++,
    link,
    total,
    createdAt: Date.now(),
    outcome: r < 0.75 ? 'Completed' : r < 0.9 ? 'Partial' : 'Canceled',
    cancelAt: null,
  };
  const list = up.createdByLink.get(link) ?? [];
  list.push(o.id);
  up.createdByLink.set(link, list);
  up.orders.set(o.id, o);
  return o;
}

type Answer =
  | { json: unknown; delay?: number }
  | { status: number; body: string; type: string }
  | { hang: true };

function answerAdd(p: URLSearchParams): Answer {
  up.addRequests++;
  const link = p.get('link') ?? p.get('username') ?? '?';
  if ((up.createdByLink.get(link)?.length ?? 0) > 0) up.addsAfterCreated++;
  if (up.calm) {
    countAnswer('add: accepted (drain)');
    return { json: { order: createUpOrder(p).id } };
  }
  const r = rnd();
  // The request arrived: whether the upstream created the order is decided now, whatever we answer.
  const maybeCreate = () => (chance(0.5) ? createUpOrder(p) : null);
  if (r < 0.03) {
    maybeCreate();
    countAnswer('add: held past the timeout');
    return { hang: true };
  }
  if (r < 0.06) {
    maybeCreate();
    countAnswer('add: HTML 200');
    return { status: 200, body: '<html><body>Maintenance</body></html>', type: 'text/html' };
  }
  if (r < 0.09) {
    maybeCreate();
    countAnswer('add: HTTP 502');
    return { status: 502, body: '<html>Bad gateway</html>', type: 'text/html' };
  }
  if (r < 0.12) {
    countAnswer('add: too many requests');
    return { json: { error: 'Too many requests, please retry later' } };
  }
  if (r < 0.15) {
    countAnswer('add: refused (order)');
    return { json: { error: 'Incorrect link' } };
  }
  if (r < 0.155) {
    countAnswer('add: refused (our account)');
    return { json: { error: 'Not enough funds on balance' } };
  }
  const o = createUpOrder(p);
  countAnswer('add: accepted');
  return { json: { order: o.id }, ...(chance(0.1) ? { delay: between(200, 1500) } : {}) };
}

function answerStatus(p: URLSearchParams): Answer {
  const now = Date.now();
  if (!up.calm) {
    const r = rnd();
    if (r < 0.03) return { status: 200, body: '<!DOCTYPE html><p>Cloudflare</p>', type: 'text/html' };
    if (r < 0.06) return { status: 500, body: 'Internal Server Error', type: 'text/plain' };
    if (r < 0.075) return { hang: true };
    if (r < 0.09) return { status: 200, body: '{"1": {"status":', type: 'application/json' };
  }
  const ids = (p.get('orders') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (p.get('orders') === null) {
    const o = up.orders.get(Number(p.get('order')));
    return { json: o ? chaoticEntry(o, now) : { error: 'Incorrect order ID' } };
  }
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    const o = up.orders.get(Number(id));
    out[id] = o ? chaoticEntry(o, now) : { error: 'Incorrect order ID' };
  }
  return { json: out, ...(!up.calm && chance(0.05) ? { delay: between(200, 1500) } : {}) };
}

function answerUpstream(p: URLSearchParams): Answer {
  if (p.get('key') !== UPSTREAM_KEY) return { json: { error: 'Invalid API key' } };
  switch (p.get('action')) {
    case 'balance':
      return { json: { balance: '100000.00', currency: 'USD' } };
    case 'add':
      return answerAdd(p);
    case 'status':
      return answerStatus(p);
    case 'cancel': {
      if (!up.calm && chance(0.05)) return { status: 503, body: 'busy', type: 'text/plain' };
      const ids = (p.get('orders') ?? p.get('order') ?? '').split(',').filter(Boolean);
      return {
        json: ids.map((id) => {
          const o = up.orders.get(Number(id));
          if (!o) return { order: Number(id), cancel: { error: 'Incorrect order ID' } };
          if (!up.calm && chance(0.2))
            return { order: Number(id), cancel: { error: 'Order cannot be canceled' } };
          o.cancelAt ??= Date.now();
          return { order: Number(id), cancel: 'Your cancellation request has been received.' };
        }),
      };
    }
    case 'refill': {
      if (!up.orders.has(Number(p.get('order')))) return { json: { error: 'Incorrect order ID' } };
      const id = up.nextRefill++;
      up.refills.set(id, Date.now());
      return { json: { refill: id } };
    }
    case 'refill_status': {
      const ids = (p.get('refills') ?? p.get('refill') ?? '').split(',').filter(Boolean);
      return {
        json: ids.map((id) => {
          const at = up.refills.get(Number(id));
          if (at === undefined) return { refill: Number(id), status: { error: 'Refill not found' } };
          return { refill: Number(id), status: Date.now() - at > 2000 ? 'Completed' : 'Pending' };
        }),
      };
    }
    case 'services':
      return { json: UPSTREAM_SERVICES };
    default:
      return { json: { error: 'Incorrect request' } };
  }
}

const UPSTREAM_SERVICES = [
  {
    service: 1,
    name: 'Soak followers',
    type: 'Default',
    category: 'Soak',
    rate: '0.8',
    min: 10,
    max: 100000,
    dripfeed: true,
    refill: true,
    cancel: true,
  },
  {
    service: 2,
    name: 'Soak comments',
    type: 'Custom Comments',
    category: 'Soak',
    rate: '5.5',
    min: 1,
    max: 100,
    dripfeed: false,
    refill: false,
    cancel: true,
  },
  {
    service: 3,
    name: 'Soak poll',
    type: 'Poll',
    category: 'Soak',
    rate: '1.2345',
    min: 10,
    max: 10000,
    dripfeed: false,
    refill: true,
    cancel: false,
  },
];

async function startUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const p = new URLSearchParams(body);
      for (const [k, v] of new URL(req.url ?? '/', 'http://x').searchParams) if (!p.has(k)) p.set(k, v);
      const a = answerUpstream(p);
      if ('hang' in a) {
        setTimeout(() => res.destroy(), HANG_MS);
        return;
      }
      const send = () => {
        if ('json' in a) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(a.json));
        } else {
          res.writeHead(a.status, { 'content-type': a.type });
          res.end(a.body);
        }
      };
      if ('delay' in a && a.delay) setTimeout(send, a.delay);
      else send();
    });
    req.on('error', () => res.destroy());
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v2`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---- processes ----------------------------------------------------------------------------------

const children = new Set<ChildProcess>();

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

function spawnPanel(args: string[], env: Record<string, string>, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stopChild(child: ChildProcess, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child, sig);
  const t = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// ---- the API clients ----------------------------------------------------------------------------

interface Customer {
  username: string;
  apiKey: string;
  initialUnits: bigint;
  /** What the operator added (positive) and deducted (negative), when accepted. */
  fundsUnits: bigint;
  orders: number[];
}

const http = {
  requests: 0,
  byAction: new Map<string, number>(),
  errors: new Map<string, number>(),
  non200: 0,
  status5xx: 0,
  notJson: 0,
  internalError: 0,
  noAnswer: 0,
  latencies: [] as number[],
};
const problems: string[] = [];
const problem = (p: string) => {
  if (problems.length < 50) problems.push(p);
};
/** Accepted orders: id -> expected charge in units. */
const expectedCharge = new Map<number, bigint>();

/** rate text (at most 4 decimals) × quantity / 1000, in units of 10^-7. */
const unitsFor = (rate: string, qty: number): bigint => {
  const [w = '0', f = ''] = rate.split('.');
  return (BigInt(w) * 10_000n + BigInt(f.padEnd(4, '0'))) * BigInt(qty);
};

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON of several shapes
async function callPanel(base: string, params: Record<string, string>): Promise<any> {
  const action = params.action ?? '?';
  http.requests++;
  http.byAction.set(action, (http.byAction.get(action) ?? 0) + 1);
  const started = performance.now();
  let res: Response;
  let text: string;
  try {
    res = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    text = await res.text();
  } catch (err) {
    http.noAnswer++;
    problem(`${action}: no answer (${err instanceof Error ? err.message : String(err)})`);
    return null;
  }
  http.latencies.push(performance.now() - started);
  if (res.status !== 200) {
    http.non200++;
    if (res.status >= 500) http.status5xx++;
    problem(`${action}: HTTP ${res.status} ${text.slice(0, 100)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    http.notJson++;
    problem(`${action}: not JSON: ${text.slice(0, 100)}`);
    return null;
  }
  if (!(res.headers.get('content-type') ?? '').includes('application/json')) {
    http.notJson++;
    problem(`${action}: content-type ${res.headers.get('content-type')}`);
  }
  if (text.includes('Internal error')) {
    http.internalError++;
    problem(`${action}: ${text.slice(0, 200)}`);
  }
  if (body && typeof body === 'object' && 'error' in body) {
    const e = String((body as { error: unknown }).error).replace(/\d+/g, 'N');
    http.errors.set(`${action}: ${e}`, (http.errors.get(`${action}: ${e}`) ?? 0) + 1);
  }
  return body;
}

interface SoakService {
  id: number;
  type: string;
  rate: string;
  min: number;
  max: number;
  dripfeed: boolean;
}

let linkSeq = 0;

async function client(base: string, customers: Customer[], services: SoakService[], until: () => boolean) {
  while (!until()) {
    const c = customers[between(0, customers.length - 1)];
    if (!c) break;
    const r = rnd();
    if (r < 0.15) {
      const s = services[between(0, services.length - 1)];
      if (!s) continue;
      const link = `https://instagram.com/p/soak-${SEED}-${++linkSeq}`;
      const params: Record<string, string> = { key: c.apiKey, action: 'add', service: String(s.id), link };
      let qty: number;
      let chargeQty: number;
      if (s.type === 'Custom Comments') {
        qty = between(1, 20);
        params.comments = Array.from({ length: qty }, (_, i) => `great ${i}`).join('\n');
        chargeQty = qty;
      } else {
        qty = between(s.min, Math.min(s.max, 2000));
        params.quantity = String(qty);
        chargeQty = qty;
        if (s.type === 'Poll') {
          params.question = 'Which one?';
          params.answers = 'a\nb';
        }
        if (s.dripfeed && chance(0.2)) {
          const runs = between(2, 3);
          params.runs = String(runs);
          params.interval = '1';
          chargeQty = qty * runs;
        }
      }
      if (chance(0.03)) params.link = 'not a link';
      const body = await callPanel(base, params);
      if (body && typeof body.order === 'number') {
        c.orders.push(body.order);
        expectedCharge.set(body.order, unitsFor(s.rate, chargeQty));
      }
    } else if (r < 0.55 && c.orders.length > 0) {
      const ids = Array.from({ length: between(1, 20) }, () => c.orders[between(0, c.orders.length - 1)]);
      await callPanel(base, { key: c.apiKey, action: 'status', orders: ids.join(',') });
    } else if (r < 0.62 && c.orders.length > 0) {
      await callPanel(base, {
        key: c.apiKey,
        action: 'status',
        order: String(c.orders[between(0, c.orders.length - 1)]),
      });
    } else if (r < 0.72) {
      await callPanel(base, { key: c.apiKey, action: 'balance' });
    } else if (r < 0.8 && c.orders.length > 0) {
      const recent = c.orders.slice(-10);
      await callPanel(base, {
        key: c.apiKey,
        action: 'cancel',
        orders: String(recent[between(0, recent.length - 1)]),
      });
    } else if (r < 0.88 && c.orders.length > 0) {
      await callPanel(base, {
        key: c.apiKey,
        action: 'refill',
        order: String(c.orders[between(0, c.orders.length - 1)]),
      });
    } else if (r < 0.9) {
      await callPanel(base, {
        key: c.apiKey,
        action: 'refill_status',
        refills: `${between(1, 50)},${between(1, 50)}`,
      });
    } else if (r < 0.93) {
      await callPanel(base, { key: c.apiKey, action: 'services' });
    } else if (r < 0.96) {
      // Malformed and foreign requests: each must still be HTTP 200 JSON.
      const bad: Record<string, string>[] = [
        { key: 'wrong-key', action: 'balance' },
        { key: c.apiKey, action: 'nonsense' },
        { key: c.apiKey, action: 'status', order: 'abc' },
        { key: c.apiKey, action: 'add', service: '999999', link: 'x', quantity: '1' },
        { key: c.apiKey, action: 'status', orders: Array.from({ length: 101 }, (_, i) => i + 1).join(',') },
      ];
      await callPanel(base, bad[between(0, bad.length - 1)] ?? { action: 'balance' });
    }
    await sleep(between(0, THINK_MS));
  }
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = new Date();
  const tmp = mkdtempSync(join(os.tmpdir(), 'smm-soak-'));
  let pgDb: PgDatabase | null = null;
  let url: string;
  if (DB_KIND === 'postgres') {
    const why = await postgresProblem();
    if (why) throw new Error(`Postgres is not usable: ${why}`);
    pgDb = await createPgDatabase();
    url = pgDb.url;
  } else {
    url = `sqlite:${join(tmp, 'panel.db')}`;
  }
  log(`seed ${SEED}, ${MINUTES} min on ${DB_KIND}, ${WORKERS} workers, ${CLIENTS} clients; files in ${tmp}`);
  const upstream = await startUpstream();
  const database = await openDatabase(url, { poolSize: 4 });
  const db = database.db;
  let exitCode = 0;
  try {
    // Catalogue, provider and customers, through the use cases the CLI uses.
    const prov = await addProvider({
      db,
      actor: SYSTEM,
      name: 'chaos',
      url: upstream.url,
      apiKey: UPSTREAM_KEY,
    });
    if (!prov.ok) throw new Error(`providers add: ${JSON.stringify(prov.failure)}`);
    const imp = await importServices({ db, actor: SYSTEM, providerId: prov.value.id, markupPercent: '25' });
    if (!imp.ok) throw new Error(`services import: ${JSON.stringify(imp.failure)}`);
    // Four adds in flight per worker: the chaos upstream's slow and held answers would otherwise make
    // the dispatch, not the panel, the bottleneck of the soak.
    const limit = await setProviderSendLimit({
      db,
      actor: await benchAdmin(db),
      providerId: prov.value.id,
      limit: 4,
    });
    if (!limit.ok) throw new Error('providers set --send-limit failed');
    const manual = await createService({
      db,
      actor: SYSTEM,
      input: {
        name: 'Soak manual',
        category: 'Soak',
        type: 'Default',
        rateUnits: 7_770_000n, // 0.777
        min: 10n,
        max: 5000n,
        dripfeed: true,
        refill: true,
        cancel: true,
      },
    });
    if (!manual.ok) throw new Error('services create failed');
    const admin = await createUser({ db, actor: SYSTEM, input: { username: 'soak_admin', role: 'admin' } });
    if (!admin.ok) throw new Error(`users create: ${admin.failure.code}`);
    const staff = { id: admin.value.id, kind: 'cli', role: 'admin' } as const;
    const customers: Customer[] = [];
    for (let i = 0; i < 20; i++) {
      const initialUnits = BigInt(between(50, 500)) * 10_000_000n;
      const u = await createUser({
        db,
        actor: SYSTEM,
        input: { username: `soak_${i}`, balanceUnits: initialUnits },
      });
      if (!u.ok) throw new Error(`users create: ${u.failure.code}`);
      customers.push({
        username: u.value.username,
        apiKey: u.value.apiKey,
        initialUnits,
        fundsUnits: 0n,
        orders: [],
      });
    }

    // The panel.
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/api/v2`;
    const env = { DATABASE_URL: url, DATA_DIR: tmp, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '100000000' };
    const panel = spawnPanel(
      ['serve', '--no-worker', '--port', String(port), '--host', '127.0.0.1'],
      env,
      join(tmp, 'panel.log'),
    );
    for (let i = 0; ; i++) {
      try {
        const r = await fetch(base, { method: 'POST', body: 'action=balance' });
        await r.text();
        break;
      } catch {
        if (i > 300 || panel.exitCode !== null)
          throw new Error(`the panel did not start (see ${tmp}/panel.log)`);
        await sleep(100);
      }
    }
    const panelPid = panel.pid ?? 0;
    const svcList = (await callPanel(base, { key: customers[0]?.apiKey ?? '', action: 'services' })) as {
      service: number;
      type: string;
      rate: string;
      min: string;
      max: string;
      dripfeed: boolean;
    }[];
    const services: SoakService[] = svcList.map((s) => ({
      id: s.service,
      type: s.type,
      rate: s.rate,
      min: Number(s.min),
      max: Number(s.max),
      dripfeed: s.dripfeed,
    }));
    log(
      `panel pid ${panelPid} on ${base}; services ${services.map((s) => `${s.id} ${s.type} ${s.rate}`).join(', ')}`,
    );

    // Workers, killed and restarted.
    const workerEnv = { ...env, ...WORKER_ENV };
    const workers: ChildProcess[] = [];
    let workerStarts = 0;
    let workerKills = 0;
    const startWorker = () => {
      workerStarts++;
      return spawnPanel(['worker'], workerEnv, join(tmp, 'workers.log'));
    };
    for (let i = 0; i < WORKERS; i++) workers.push(startWorker());

    const deadline = Date.now() + MINUTES * 60_000;
    const loadOver = () => Date.now() >= deadline;
    let killing = true;
    const killer = (async () => {
      while (killing && !loadOver()) {
        await sleep(between(3000, 20000));
        if (!killing || loadOver()) break;
        const i = between(0, workers.length - 1);
        const w = workers[i];
        if (!w) continue;
        await stopChild(w, 'SIGKILL');
        workerKills++;
        await sleep(between(0, 2000));
        workers[i] = startWorker();
      }
    })();

    // The operator.
    const ops = { funds: 0, fundsRefused: 0, manualSettled: 0, reviewsSent: 0, reviewsNotSent: 0 };
    const resolveReviews = async () => {
      const review = await listOrders({ db, dispatchState: 'review', limit: 1000 });
      if (!review.ok) return;
      for (const o of review.value) {
        const created = up.createdByLink.get(o.link ?? '') ?? [];
        const res = await resolveReview({
          actor: staff,
          db,
          orderId: o.id,
          resolution:
            created[0] !== undefined
              ? { kind: 'sent', upstreamOrderId: String(created[0]) }
              : { kind: 'not_sent' },
        });
        if (res.ok) {
          if (created[0] !== undefined) ops.reviewsSent++;
          else ops.reviewsNotSent++;
        }
      }
    };
    const settleManual = async (max: number) => {
      const active = [];
      for (const status of ['pending', 'processing', 'in_progress'] as const) {
        const l = await listOrders({ db, status, dispatchState: 'manual', limit: max });
        if (l.ok) active.push(...l.value);
      }
      for (const o of active.slice(0, max)) {
        const r = rnd();
        const total = BigInt(o.quantity) * BigInt(o.runs ?? 1);
        const status: OrderStatus =
          r < 0.6 ? 'completed' : r < 0.8 ? 'partial' : r < 0.9 ? 'canceled' : 'in_progress';
        const remains = status === 'partial' ? 1n + (BigInt(between(0, 1_000_000)) % total) : undefined;
        const res = await setOrderStatus({
          actor: staff,
          db,
          orderId: o.id,
          change: { status, ...(remains ? { remains } : {}) },
        });
        if (res.ok) ops.manualSettled++;
      }
    };
    const operator = (async () => {
      while (!loadOver()) {
        await sleep(between(1000, 4000));
        const r = rnd();
        if (r < 0.4) {
          const c = customers[between(0, customers.length - 1)];
          if (!c) continue;
          const amount = BigInt(between(-3000, 10000)) * 100_000n;
          if (amount === 0n) continue;
          const res = await adjustFunds({
            db,
            actor: staff,
            username: c.username,
            amountUnits: amount,
            note: 'soak',
          });
          if (res.ok) {
            c.fundsUnits += amount;
            ops.funds++;
          } else ops.fundsRefused++;
        } else if (r < 0.7) await settleManual(5);
        else await resolveReviews();
      }
    })();

    // Memory of the panel.
    const rss: { at: number; mb: number }[] = [];
    const sampler = setInterval(() => {
      const mb = rssMb(panelPid);
      if (mb !== null) rss.push({ at: Date.now(), mb });
    }, 5000);
    const first = rssMb(panelPid);
    if (first !== null) rss.push({ at: Date.now(), mb: first });

    const allServices = [...services];
    const progress = setInterval(() => {
      log(
        `${http.requests} requests, ${expectedCharge.size} orders, ${workerKills} worker kills, RSS ${rss.at(-1)?.mb.toFixed(0)} MB`,
      );
    }, 60_000);
    await Promise.all(Array.from({ length: CLIENTS }, () => client(base, customers, allServices, loadOver)));
    clearInterval(progress);
    killing = false;
    await killer;
    await operator;
    log('load over: calming the upstream and letting the workers finish');

    // Drain: calm upstream, workers left alone, the operator finishes reviews and manual orders.
    up.calm = true;
    const drainUntil = Date.now() + DRAIN_MS;
    let open = -1;
    const drainStarted = Date.now();
    while (Date.now() < drainUntil) {
      await resolveReviews();
      await settleManual(1000);
      let n = 0;
      for (const st of ['pending', 'processing', 'in_progress'] as const) {
        const l = await listOrders({ db, status: st, limit: 100_000 });
        if (l.ok) n += l.value.length;
      }
      open = n;
      if (n === 0) break;
      await sleep(2000);
    }
    const drainSeconds = Math.round((Date.now() - drainStarted) / 1000);
    // Balances as the API answers them, before the panel stops.
    const apiBalance = new Map<string, string>();
    for (const c of customers) {
      const b = await callPanel(base, { key: c.apiKey, action: 'balance' });
      apiBalance.set(c.username, b?.balance ?? '?');
    }
    clearInterval(sampler);
    const endRss = rssMb(panelPid);
    if (endRss !== null) rss.push({ at: Date.now(), mb: endRss });
    for (const w of workers) await stopChild(w);
    await stopChild(panel);

    // ---- the invariants ----
    const results: { invariant: string; ok: boolean; detail: string }[] = [];
    const check = (invariant: string, ok: boolean, detail: string) => {
      results.push({ invariant, ok, detail });
      if (!ok) exitCode = 1;
    };
    const twice = [...up.createdByLink].filter(([, ids]) => ids.length > 1);
    check(
      'no order created upstream twice',
      twice.length === 0,
      `${up.createdByLink.size} links created, ${twice.length} twice; ${up.addRequests} add requests, ${up.addsAfterCreated} after the link existed`,
    );
    const ledger = await checkLedger({ db });
    check(
      'ledger check clean',
      ledger.problems.length === 0,
      `${ledger.users} users, ${ledger.orders} orders, ${ledger.problems.length} problems${ledger.problems.length ? `: ${JSON.stringify(ledger.problems.slice(0, 3))}` : ''}`,
    );

    let balanceBad = 0;
    let chargeBad = 0;
    let missing = 0;
    let orders = 0;
    const statusCount = new Map<string, number>();
    for (const c of customers) {
      const list = await listOrders({ db, username: c.username, limit: 1_000_000 });
      if (!list.ok) throw new Error('orders list failed');
      let kept = 0n;
      const seen = new Set<number>();
      for (const o of list.value) {
        orders++;
        seen.add(o.id);
        statusCount.set(o.status, (statusCount.get(o.status) ?? 0) + 1);
        const charge = parseAmount(o.charge) ?? -1n;
        const refunded = parseAmount(o.refunded) ?? -1n;
        kept += charge - refunded;
        const want = expectedCharge.get(o.id);
        if (want === undefined || want !== charge) {
          chargeBad++;
          problem(
            `order ${o.id}: charge ${o.charge}, expected ${want === undefined ? 'no order' : formatAmount(want)}`,
          );
        }
      }
      for (const id of c.orders) if (!seen.has(id)) missing++;
      const expected = c.initialUnits + c.fundsUnits - kept;
      if (apiBalance.get(c.username) !== formatAmount(expected)) {
        balanceBad++;
        problem(`${c.username}: balance ${apiBalance.get(c.username)}, expected ${formatAmount(expected)}`);
      }
    }
    check(
      'balance = initial + funds − kept charges',
      balanceBad === 0,
      `${customers.length} customers, ${balanceBad} wrong`,
    );
    check(
      'each order charged rate × quantity / 1000',
      chargeBad === 0 && missing === 0 && orders === expectedCharge.size,
      `${orders} orders in the panel, ${expectedCharge.size} accepted by the API, ${chargeBad} wrong charges, ${missing} missing`,
    );
    check(
      'every answer HTTP 200',
      http.non200 === 0 && http.noAnswer === 0,
      `${http.requests} requests, ${http.non200} not 200 (${http.status5xx} 5xx), ${http.noAnswer} unanswered`,
    );
    check('every answer JSON', http.notJson === 0, `${http.notJson} not JSON`);
    check('no "Internal error"', http.internalError === 0, `${http.internalError}`);
    const rssStart = rss.find((s) => s.at >= (rss[0]?.at ?? 0) + 60_000) ?? rss[0];
    const peak = Math.max(...rss.map((s) => s.mb));
    const end = rss.at(-1)?.mb ?? 0;
    check(
      'panel memory flat (end − after 1 min < 50 MB)',
      rssStart !== undefined && end - rssStart.mb < 50,
      `RSS start ${rss[0]?.mb.toFixed(0)} MB, after 1 min ${rssStart?.mb.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, end ${end.toFixed(0)} MB (${rss.length} samples)`,
    );

    const lat = http.latencies.sort((a, b) => a - b);
    const pct = (p: number) => (lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0).toFixed(1);
    const lines: string[] = [];
    lines.push(`# Soak ${startedAt.toISOString()} — ${DB_KIND}, ${MINUTES} min, seed ${SEED}`);
    lines.push(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
    );
    lines.push('');
    lines.push('| invariant | ok | detail |');
    lines.push('| --- | --- | --- |');
    for (const r of results) lines.push(`| ${r.invariant} | ${r.ok ? 'yes' : '**NO**'} | ${r.detail} |`);
    lines.push('');
    lines.push('| count | value |');
    lines.push('| --- | --- |');
    const row = (k: string, v: string | number) => lines.push(`| ${k} | ${v} |`);
    row('API requests', http.requests);
    row('API requests by action', [...http.byAction].map(([k, v]) => `${k} ${v}`).join(', '));
    row('API latency p50 / p99 / max (ms)', `${pct(0.5)} / ${pct(0.99)} / ${(lat.at(-1) ?? 0).toFixed(1)}`);
    row(
      'API error answers',
      [...http.errors]
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join('; '),
    );
    row('orders placed', orders);
    row('orders by status at the end', [...statusCount].map(([k, v]) => `${k} ${v}`).join(', '));
    row('orders still open after the drain (drain time)', `${open} (${drainSeconds} s)`);
    row('worker processes started / SIGKILLed', `${workerStarts} / ${workerKills}`);
    row(
      'upstream: add requests / orders created',
      `${up.addRequests} / ${[...up.createdByLink.values()].reduce((a, l) => a + l.length, 0)}`,
    );
    row('upstream chaos on add', [...up.answers].map(([k, v]) => `${k} ${v}`).join(', '));
    row('operator: funds changes (refused)', `${ops.funds} (${ops.fundsRefused})`);
    row('operator: manual settlements', ops.manualSettled);
    row('operator: reviews resolved sent / not sent', `${ops.reviewsSent} / ${ops.reviewsNotSent}`);
    row(
      'panel RSS start / peak / end (MB)',
      `${rss[0]?.mb.toFixed(0)} / ${peak.toFixed(0)} / ${end.toFixed(0)}`,
    );
    console.log(lines.join('\n'));
    if (problems.length > 0) {
      console.log('\nproblems (first 50):');
      for (const p of problems) console.log(`  ${p}`);
    }
  } finally {
    for (const c of [...children]) await stopChild(c, 'SIGKILL');
    await database.close();
    await upstream.close();
    if (pgDb) await pgDb.drop().catch((e: unknown) => log(`could not drop ${pgDb?.name}: ${String(e)}`));
    if (exitCode === 0 && !process.env.SOAK_KEEP) rmSync(tmp, { recursive: true, force: true });
    else log(`files kept in ${tmp}`);
  }
  process.exit(exitCode);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    for (const c of children) killGroup(c, 'SIGKILL');
    process.exit(130);
  });
process.on('exit', () => {
  for (const c of children) killGroup(c, 'SIGKILL');
});

main().catch((err: unknown) => {
  console.error(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  for (const c of children) killGroup(c, 'SIGKILL');
  process.exit(2);
});
