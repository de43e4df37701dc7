/**
 * Model-based test of the whole panel: random sequences of customer, operator, upstream and engine
 * operations run against the real panel (API v2 through Fastify inject, the CLI's use cases, the
 * engine through the test engine against a scripted upstream on 127.0.0.1) and against a small
 * in-memory model of balances, orders and refills, on SQLite and Postgres. After every command each
 * user's balance, each order's status/charge/refund/remains and each refill's status must equal the
 * model's, through the database and through API v2's `balance`/`status`/`refill_status`; after every
 * run `ledger check` must be clean. Zero divergence.
 *
 * Seeded and replayable: FC_SEED (default below), FC_RUNS (runs per database), FC_COMMANDS (the most
 * commands a run), FC_PATH (the path fast-check prints with a failure, to replay only that run),
 * FC_SHRINK=1 (shrink the failing run; off by default to keep a failure fast). A failure prints the
 * seed, the path and the command list; the test prints how often each command ran and how orders ended.
 *
 * Left out of the money model: Subscriptions without `posts` (open-ended). Their charging rule is being
 * changed (a reserve debited at placement instead of per-post charges), so a model of today's rule
 * would be wrong tomorrow; they get their own tests with the new rule. Engine-split drip-feed (a
 * drip-feed service whose upstream has none) is left out too: its runs depend on the engine's clock
 * and interval, covered by test/engine-flow.test.ts; forwarded drip-feed is in.
 */

import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '../src/audit/actor.js';
import type { Database } from '../src/db/schema.js';
import { adjustFunds } from '../src/ledger/adjust-funds.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { formatAmount, toUnits } from '../src/money.js';
import type { OrderStatus } from '../src/orders/order.state.js';
import { resolveReview } from '../src/orders/resolve-review.js';
import { setOrderStatus } from '../src/orders/set-order-status.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { setRefillStatus } from '../src/refills/set-refill-status.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  type TestEngine,
} from './helpers/engine.js';

const SEED = Number(process.env.FC_SEED ?? 20261201);
const RUNS = Number(process.env.FC_RUNS ?? 50);
const MAX_COMMANDS = Number(process.env.FC_COMMANDS ?? 50);

// ---- the catalogue ------------------------------------------------------------------------------

type Kind =
  | 'Default'
  | 'Custom Comments'
  | 'Comment Replies'
  | 'Mentions'
  | 'Mentions with Hashtags'
  | 'Mentions Custom List'
  | 'Mentions Hashtag'
  | 'Mentions User Followers'
  | 'Mentions Media Likers'
  | 'Poll'
  | 'Subscriptions';

interface SvcSpec {
  key: string;
  type: Kind;
  rate: string; // at most 4 decimals
  min: number;
  max: number;
  dripfeed: boolean;
  refill: boolean;
  cancel: boolean;
  /** Fulfilled by an upstream (imported) or by hand (no provider). */
  upstream: boolean;
}

const SERVICES: SvcSpec[] = [
  {
    key: 'def',
    type: 'Default',
    rate: '1.2345',
    min: 10,
    max: 5000,
    dripfeed: true,
    refill: true,
    cancel: true,
    upstream: true,
  },
  {
    key: 'dear',
    type: 'Default',
    rate: '250.5',
    min: 100,
    max: 100000,
    dripfeed: false,
    refill: false,
    cancel: false,
    upstream: true,
  },
  {
    key: 'cc',
    type: 'Custom Comments',
    rate: '12',
    min: 1,
    max: 50,
    dripfeed: false,
    refill: true,
    cancel: true,
    upstream: true,
  },
  {
    key: 'cr',
    type: 'Comment Replies',
    rate: '3.3333',
    min: 1,
    max: 50,
    dripfeed: false,
    refill: false,
    cancel: false,
    upstream: true,
  },
  {
    key: 'men',
    type: 'Mentions',
    rate: '0.85',
    min: 10,
    max: 1000,
    dripfeed: false,
    refill: false,
    cancel: true,
    upstream: true,
  },
  {
    key: 'menh',
    type: 'Mentions with Hashtags',
    rate: '1.5',
    min: 10,
    max: 1000,
    dripfeed: false,
    refill: false,
    cancel: false,
    upstream: true,
  },
  {
    key: 'menl',
    type: 'Mentions Custom List',
    rate: '2.25',
    min: 1,
    max: 50,
    dripfeed: false,
    refill: true,
    cancel: false,
    upstream: true,
  },
  {
    key: 'mht',
    type: 'Mentions Hashtag',
    rate: '0.9999',
    min: 10,
    max: 1000,
    dripfeed: false,
    refill: false,
    cancel: true,
    upstream: true,
  },
  {
    key: 'muf',
    type: 'Mentions User Followers',
    rate: '4',
    min: 10,
    max: 1000,
    dripfeed: false,
    refill: false,
    cancel: false,
    upstream: true,
  },
  {
    key: 'mml',
    type: 'Mentions Media Likers',
    rate: '0.1234',
    min: 10,
    max: 1000,
    dripfeed: false,
    refill: false,
    cancel: true,
    upstream: true,
  },
  {
    key: 'poll',
    type: 'Poll',
    rate: '7.77',
    min: 10,
    max: 1000,
    dripfeed: false,
    refill: true,
    cancel: true,
    upstream: true,
  },
  {
    key: 'sub',
    type: 'Subscriptions',
    rate: '0.5',
    min: 10,
    max: 1000,
    dripfeed: false,
    refill: false,
    cancel: true,
    upstream: true,
  },
  {
    key: 'mdef',
    type: 'Default',
    rate: '1.1111',
    min: 10,
    max: 10000,
    dripfeed: true,
    refill: true,
    cancel: true,
    upstream: false,
  },
  {
    key: 'mcc',
    type: 'Custom Comments',
    rate: '5',
    min: 1,
    max: 50,
    dripfeed: false,
    refill: true,
    cancel: true,
    upstream: false,
  },
];
const svcByKey = new Map(SERVICES.map((s) => [s.key, s]));

/** rate (text, at most 4 decimals) in units of 10^-7 per item: rate / 1000 × 10^7 = ten-thousandths. */
function perItemUnits(rate: string): bigint {
  const [w = '0', f = ''] = rate.split('.');
  return BigInt(w) * 10_000n + BigInt(f.padEnd(4, '0'));
}

// ---- the model ----------------------------------------------------------------------------------

type Status = OrderStatus;
const TERMINAL: Status[] = ['completed', 'partial', 'canceled'];
const API_NAME: Record<Status, string> = {
  pending: 'Pending',
  processing: 'Processing',
  in_progress: 'In progress',
  completed: 'Completed',
  partial: 'Partial',
  canceled: 'Canceled',
};
type RefillStatus = 'pending' | 'in_progress' | 'completed' | 'rejected' | 'canceled';
const REFILL_API: Record<RefillStatus, string> = {
  pending: 'Pending',
  in_progress: 'In progress',
  completed: 'Completed',
  rejected: 'Rejected',
  canceled: 'Canceled',
};

interface MRefill {
  id: number;
  status: RefillStatus;
  forwarded: boolean;
  /** The refill status the upstream reports (forwarded refills), applied at the next engine round. */
  upstream: RefillStatus | null;
  /** The upstream's id for it, once forwarded. */
  upstreamId?: string;
}

interface MOrder {
  id: number;
  user: number;
  svc: SvcSpec;
  /** Items per unit of remains (max for a subscription, whose remains count posts; 1 otherwise). */
  itemsPerRemain: bigint;
  total: bigint;
  charge: bigint;
  refunded: bigint;
  status: Status;
  remains: bigint;
  /** The upstream took it (dispatch sent): stays true after it ends. */
  sent: boolean;
  /** Refused by the upstream, or canceled before it was sent (closed). */
  closed: boolean;
  /** The send had an unknown outcome: in review until the operator resolves it. */
  review: boolean;
  /** What the upstream calls it: the link, or the username of a subscription. */
  link: string;
  cancelRequested: boolean;
  /** What the upstream reports for it now (status entry), set by UpstreamReports. */
  entry: Entry | null;
  refills: MRefill[];
}

type Entry =
  | { status: 'Pending' }
  | { status: 'In progress'; remains: bigint }
  | { status: 'Completed' }
  | { status: 'Partial'; remains: bigint }
  | { status: 'Canceled' }
  | { status: 'Active'; posts: bigint }
  | { status: 'PartialPosts'; posts: bigint }
  | { status: 'Expired'; posts: bigint };

interface Model {
  balances: bigint[];
  orders: MOrder[];
  /**
   * How the upstream answers `add`: takes it, refuses it (about the order), or answers HTTP 500 (an
   * unknown outcome: it created the order when the link's number is even, not otherwise).
   */
  addMode: 'accept' | 'refuse' | 'unknown';
}

interface Real {
  users: { id: number; username: string; apiKey: string }[];
  engine: TestEngine;
}

const isTerminal = (s: Status) => TERMINAL.includes(s);
const ACTIVE = (o: MOrder) => !isTerminal(o.status);

/** The settle rules (settle.ts), restated: moves `o` and returns the refund, or a failure code. */
function settleModel(m: Model, o: MOrder, to: Status, remains: bigint | undefined): string | null {
  const from = o.status;
  const allowed =
    from === to
      ? !isTerminal(from)
      : !isTerminal(from) &&
        ['pending', 'processing', 'in_progress', 'completed', 'partial', 'canceled'].indexOf(to) >
          ['pending', 'processing', 'in_progress', 'completed', 'partial', 'canceled'].indexOf(from);
  if (!allowed) return 'conflict';
  if (remains !== undefined && (remains < 0n || remains > o.total)) return 'remains_out_of_range';
  let r = remains ?? o.remains;
  let refund = 0n;
  if (to === 'completed') r = 0n;
  else if (to === 'partial') {
    if (remains === undefined) return 'partial_needs_remains';
    if (r === 0n) return 'partial_remains_zero';
    const want = perItemUnits(o.svc.rate) * r * o.itemsPerRemain;
    refund = o.charge;
    if (want < refund) refund = want;
  } else if (to === 'canceled') {
    refund = o.charge - o.refunded;
    if (remains === undefined) r = o.total;
  }
  o.status = to;
  o.remains = r;
  o.refunded += refund;
  m.balances[o.user] = (m.balances[o.user] ?? 0n) + refund;
  return null;
}

/** What the sync does with the upstream's entry (status-map.ts, restated). */
function syncModel(m: Model, o: MOrder): void {
  const e = o.entry;
  if (!e || isTerminal(o.status)) return;
  const isSub = o.svc.type === 'Subscriptions';
  const left = (posts: bigint) => (o.total - posts > 0n ? o.total - posts : 0n);
  let r: string | null = null;
  switch (e.status) {
    case 'Pending':
      return; // processing already; never backwards from In progress; no remains given
    case 'In progress':
      if (e.remains > o.total) return; // ignored
      r = settleModel(m, o, 'in_progress', e.remains);
      break;
    case 'Active':
      r = settleModel(m, o, 'in_progress', left(e.posts));
      break;
    case 'Completed':
      r = settleModel(m, o, 'completed', undefined);
      break;
    case 'Partial':
      if (e.remains === 0n || e.remains > o.total) return; // ignored
      r = settleModel(m, o, 'partial', e.remains);
      break;
    case 'PartialPosts': {
      const rem = left(e.posts);
      if (rem === 0n) return;
      r = settleModel(m, o, 'partial', rem);
      break;
    }
    case 'Canceled':
      r = settleModel(m, o, 'canceled', undefined);
      break;
    case 'Expired': {
      const rem = left(e.posts);
      if (!isSub) throw new Error('Expired is for subscriptions');
      r =
        rem < o.total
          ? settleModel(m, o, rem === 0n ? 'completed' : 'partial', rem === 0n ? undefined : rem)
          : settleModel(m, o, 'canceled', undefined);
      break;
    }
  }
  if (r !== null) throw new Error(`model: sync of order ${o.id} refused: ${r}`);
}

/** One or more engine rounds, in the model: cancels, dispatch, sync, refills (worker.ts's order). */
function engineModel(m: Model): void {
  for (const o of m.orders) {
    if (o.svc.upstream && !o.sent && !o.closed && !o.review && o.cancelRequested && ACTIVE(o)) {
      settleModel(m, o, 'canceled', undefined);
      o.closed = true;
    }
  }
  for (const o of m.orders) {
    if (o.svc.upstream && !o.sent && !o.closed && !o.review && !o.cancelRequested && o.status === 'pending') {
      if (m.addMode === 'unknown') {
        o.review = true;
      } else if (m.addMode === 'accept') {
        o.sent = true;
        o.entry = { status: 'Pending' };
        settleModel(m, o, 'processing', undefined);
      } else {
        o.closed = true;
        settleModel(m, o, 'canceled', undefined);
      }
    }
  }
  for (const o of m.orders) if (o.sent) syncModel(m, o);
  for (const o of m.orders)
    for (const f of o.refills)
      if (
        f.forwarded &&
        f.upstream &&
        f.upstream !== 'pending' &&
        (f.status === 'pending' || f.status === 'in_progress')
      )
        f.status = f.upstream;
}

// ---- the real panel -----------------------------------------------------------------------------

interface World {
  app: FastifyInstance;
  up: ScriptedUpstream;
  serviceIds: Map<string, number>;
  db: () => Kysely<Database>;
  dialect: () => import('../src/db/connect.js').DialectName;
}

let world: World;
let commandsRun = 0;
/** What the runs did, printed at the end: how often each command ran and how orders ended. */
const stats = new Map<string, number>();
const count = (what: string) => stats.set(what, (stats.get(what) ?? 0) + 1);
/** Links are unique per run (runTag) and numbered from 1 in each run, so that a replayed run sees the same numbers. */
let linkSeq = 0;
let runTag = '';

async function api(user: Real['users'][number], params: Record<string, string | number>) {
  const r = await callApi(world.app, { key: user.apiKey, ...params });
  if (r.statusCode !== 200) throw new Error(`HTTP ${r.statusCode}: ${r.raw}`);
  return r.body;
}

function upstreamEntry(e: Entry): unknown {
  switch (e.status) {
    case 'Pending':
      return { status: 'Pending', charge: '0.1', start_count: '0', currency: 'USD' };
    case 'In progress':
    case 'Partial':
      return { status: e.status, remains: e.remains.toString(), charge: '0.1', start_count: '5' };
    case 'Completed':
      return { status: 'Completed', remains: '0', charge: '0.1', start_count: '5' };
    case 'Canceled':
      return { status: 'Canceled', charge: '0', start_count: '5' };
    case 'Active':
      return { status: 'Active', posts: e.posts.toString() };
    case 'PartialPosts':
      return { status: 'Partial', posts: e.posts.toString() };
    case 'Expired':
      return { status: 'Expired', posts: e.posts.toString() };
  }
}

async function upstreamIdOf(orderId: number): Promise<string> {
  const row = await world
    .db()
    .selectFrom('orders')
    .select('provider_order_id')
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  if (row.provider_order_id === null) throw new Error(`order ${orderId} has no upstream id`);
  return String(row.provider_order_id);
}

/** Compare everything the model knows with the database and API v2. */
async function verify(m: Model, r: Real, after: string): Promise<void> {
  const db = world.db();
  const where = (what: string) => `after ${after}: ${what}`;
  for (let u = 0; u < r.users.length; u++) {
    const user = r.users[u];
    if (!user) continue;
    const row = await db
      .selectFrom('users')
      .select('balance_units')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(toUnits(row.balance_units), where(`balance of user ${u}`)).toBe(m.balances[u]);
    const b = await api(user, { action: 'balance' });
    expect(b.balance, where(`API balance of user ${u}`)).toBe(formatAmount(m.balances[u] ?? 0n));
  }
  if (m.orders.length === 0) return;
  const rows = await db
    .selectFrom('orders')
    .select(['id', 'status', 'charge_units', 'refunded_units', 'remains'])
    .where(
      'id',
      'in',
      m.orders.map((o) => o.id),
    )
    .execute();
  const byId = new Map(rows.map((x) => [Number(x.id), x]));
  for (const o of m.orders) {
    const row = byId.get(o.id);
    const got = row && {
      status: row.status,
      charge: toUnits(row.charge_units),
      refunded: toUnits(row.refunded_units),
      remains: toUnits(row.remains),
    };
    expect(got, where(`order ${o.id} (${o.svc.key})`)).toEqual({
      status: o.status,
      charge: o.charge,
      refunded: o.refunded,
      remains: o.remains,
    });
  }
  for (let u = 0; u < r.users.length; u++) {
    const user = r.users[u];
    const mine = m.orders.filter((o) => o.user === u);
    if (!user || mine.length === 0) continue;
    const st = await api(user, { action: 'status', orders: mine.map((o) => o.id).join(',') });
    for (const o of mine) {
      expect(st[String(o.id)], where(`API status of order ${o.id}`)).toMatchObject({
        status: API_NAME[o.status],
        remains: o.remains.toString(),
        charge: formatAmount(o.charge - o.refunded),
      });
    }
    const refills = mine.flatMap((o) => o.refills);
    if (refills.length > 0) {
      const rs = await api(user, { action: 'refill_status', refills: refills.map((f) => f.id).join(',') });
      expect(rs, where('API refill_status')).toEqual(
        refills.map((f) => ({ refill: f.id, status: REFILL_API[f.status] })),
      );
    }
  }
}

// ---- commands -----------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<Model, Real, false>;

interface Op {
  check(m: Readonly<Model>): boolean;
  exec(m: Model, r: Real): Promise<void>;
  toString(): string;
}

/** Every command checks the whole model against the panel after it ran. */
const checked = (op: Op): Cmd => ({
  check: (m) => op.check(m),
  run: async (m, r) => {
    commandsRun++;
    count(op.constructor.name);
    await op.exec(m, r);
    await verify(m, r, op.toString());
  },
  toString: () => op.toString(),
});
const pick = <T>(list: T[], n: number): T | undefined =>
  list.length === 0 ? undefined : list[n % list.length];

/** The parameters of an `add` for a service, and the charged quantity (null: refused for a reason the model names). */
function addParams(
  svc: SvcSpec,
  q: number,
  drip: { runs: number; interval: number } | null,
  variant: 'ok' | 'badLink' | 'belowMin',
): {
  params: Record<string, string | number>;
  chargeQty: bigint;
  total: bigint;
  itemsPerRemain: bigint;
  error: string | null;
} {
  const link = variant === 'badLink' ? 'not a link' : `https://instagram.com/p/model-${runTag}-${++linkSeq}`;
  const qty = variant === 'belowMin' ? svc.min - 1 : svc.min + (q % (Math.min(svc.max, 3000) - svc.min + 1));
  const lines = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`).join('\r\n');
  const base = { action: 'add', service: world.serviceIds.get(svc.key) ?? 0 };
  const err =
    variant === 'badLink'
      ? 'Incorrect link'
      : variant === 'belowMin'
        ? `Quantity less than minimal ${svc.min}`
        : null;
  const simple = (extra: Record<string, string | number>, n: number) => ({
    params: { ...base, link, ...extra },
    chargeQty: BigInt(n),
    total: BigInt(n),
    itemsPerRemain: 1n,
    error: err,
  });
  switch (svc.type) {
    case 'Default': {
      if (drip && svc.dripfeed && variant === 'ok') {
        const t = BigInt(qty * drip.runs);
        return {
          params: { ...base, link, quantity: qty, runs: drip.runs, interval: drip.interval },
          chargeQty: t,
          total: t,
          itemsPerRemain: 1n,
          error: null,
        };
      }
      // Many clients always send runs=0&interval=0: no drip-feed.
      return simple(q % 3 === 0 ? { quantity: qty, runs: 0, interval: 0 } : { quantity: qty }, qty);
    }
    case 'Custom Comments':
    case 'Comment Replies':
      // An empty line in the middle is not a comment.
      return simple({ comments: `${lines(qty, 'nice ')}\n\n` }, Math.max(qty, 0));
    case 'Mentions Custom List':
      return simple({ usernames: lines(qty, 'user') }, qty);
    case 'Mentions':
      return simple({ quantity: qty, usernames: 'alice\nbob' }, qty);
    case 'Mentions with Hashtags':
      return simple({ quantity: qty, usernames: 'alice\nbob', hashtags: 'one\ntwo' }, qty);
    case 'Mentions Hashtag':
      return simple({ quantity: qty, hashtag: 'tag' }, qty);
    case 'Mentions User Followers':
      return simple({ quantity: qty, username: 'someone' }, qty);
    case 'Mentions Media Likers':
      return simple({ quantity: qty, media: 'https://instagram.com/p/media' }, qty);
    case 'Poll':
      return simple({ quantity: qty, question: 'Which?', answers: 'a\nb\nc' }, qty);
    case 'Subscriptions': {
      const posts = 1 + (q % 4);
      const max = qty;
      const min = svc.min;
      return {
        params: { ...base, username: `sub${runTag}_${++linkSeq}`, min, max, posts, delay: 0 },
        chargeQty: BigInt(posts * max),
        total: BigInt(posts),
        itemsPerRemain: BigInt(max),
        error: variant === 'belowMin' ? `Quantity less than minimal ${svc.min}` : null,
      };
    }
  }
}

class AddCmd implements Op {
  constructor(
    readonly user: number,
    readonly svcKey: string,
    readonly q: number,
    readonly drip: { runs: number; interval: number } | null,
    readonly variant: 'ok' | 'badLink' | 'belowMin',
  ) {}
  check = () => true;
  async exec(m: Model, r: Real) {
    const svc = svcByKey.get(this.svcKey);
    const user = r.users[this.user];
    if (!svc || !user) throw new Error('bad command');
    // A subscription has no link; a list type whose minimum is 1 cannot go below it with a list.
    const variant =
      (svc.type === 'Subscriptions' && this.variant === 'badLink') ||
      (this.variant === 'belowMin' && svc.min <= 1)
        ? 'ok'
        : this.variant;
    const a = addParams(svc, this.q, this.drip, variant);
    const charge = perItemUnits(svc.rate) * a.chargeQty;
    const balance = m.balances[this.user] ?? 0n;
    const expected = a.error ?? (charge > balance ? 'Not enough funds on balance' : null);
    const body = await api(user, a.params);
    if (expected !== null) {
      expect(body, `add ${this.toString()}`).toEqual({ error: expected });
      return;
    }
    expect(typeof body.order, `add ${this.toString()} answered ${JSON.stringify(body)}`).toBe('number');
    m.balances[this.user] = balance - charge;
    m.orders.push({
      id: body.order,
      user: this.user,
      svc,
      itemsPerRemain: a.itemsPerRemain,
      total: a.total,
      charge,
      refunded: 0n,
      status: 'pending',
      remains: a.total,
      sent: false,
      closed: false,
      review: false,
      link: String(a.params.link ?? a.params.username),
      cancelRequested: false,
      entry: null,
      refills: [],
    });
  }
  toString() {
    return `add(user ${this.user}, ${this.svcKey}, q ${this.q}${this.drip && svcByKey.get(this.svcKey)?.dripfeed ? `, runs ${this.drip.runs}×${this.drip.interval}m` : ''}, ${this.variant})`;
  }
}

class CancelCmd implements Op {
  constructor(
    readonly n: number,
    readonly asOther: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.orders.length > 0;
  async exec(m: Model, r: Real) {
    const o = pick(m.orders, this.n);
    if (!o) return;
    const caller = this.asOther ? (o.user + 1) % r.users.length : o.user;
    const user = r.users[caller];
    if (!user) throw new Error('bad user');
    let expected: unknown;
    if (caller !== o.user) expected = { error: 'Incorrect order ID' };
    else if (!o.svc.cancel || !ACTIVE(o)) expected = { error: 'Order cannot be canceled' };
    else if (o.cancelRequested) expected = { error: 'Cancellation already requested for this order' };
    else {
      expected = 'Your cancellation request has been received.';
      o.cancelRequested = true;
    }
    const body = await api(user, { action: 'cancel', orders: String(o.id) });
    expect(body).toEqual([{ order: o.id, cancel: expected }]);
  }
  toString() {
    return `cancel(order #${this.n}${this.asOther ? ', as another user' : ''})`;
  }
}

class RefillCmd implements Op {
  constructor(
    readonly n: number,
    readonly asOther: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.orders.length > 0;
  async exec(m: Model, r: Real) {
    // Mostly orders that ended Completed or Partial (the others show the refusal).
    const ended = m.orders.filter((x) => x.status === 'completed' || x.status === 'partial');
    const o = pick(ended.length > 0 && this.n % 4 !== 0 ? ended : m.orders, this.n);
    if (!o) return;
    const caller = this.asOther ? (o.user + 1) % r.users.length : o.user;
    const user = r.users[caller];
    if (!user) throw new Error('bad user');
    const body = await api(user, { action: 'refill', order: o.id });
    let expected: string | null = null;
    if (caller !== o.user) expected = 'Incorrect order ID';
    else if (!o.svc.refill || (o.status !== 'completed' && o.status !== 'partial'))
      expected = 'Order cannot be refilled';
    else if (o.refills.some((f) => f.status === 'pending' || f.status === 'in_progress'))
      expected = 'Refill already requested for this order';
    if (expected !== null) {
      expect(body, this.toString()).toEqual({ error: expected });
      return;
    }
    expect(body, this.toString()).toMatchObject({ order: String(o.id), refill: expect.any(String) });
    count(`refill created (${o.sent ? 'forwarded' : 'manual'})`);
    o.refills.push({
      id: Number(body.refill),
      status: 'pending',
      forwarded: o.sent,
      upstream: o.sent ? 'pending' : null,
    });
  }
  toString() {
    return `refill(order #${this.n}${this.asOther ? ', as another user' : ''})`;
  }
}

class FundsCmd implements Op {
  constructor(
    readonly user: number,
    readonly cents: number,
  ) {}
  check = () => true;
  async exec(m: Model, r: Real) {
    const user = r.users[this.user];
    if (!user) throw new Error('bad user');
    const amount = BigInt(this.cents) * 100_000n;
    const res = await adjustFunds({
      db: world.db(),
      actor: await adminActor(world.db()),
      username: user.username,
      amountUnits: amount,
      note: 'model',
    });
    const balance = m.balances[this.user] ?? 0n;
    if (amount === 0n) expect(res).toMatchObject({ ok: false, failure: { code: 'zero_amount' } });
    else if (balance + amount < 0n)
      expect(res).toMatchObject({ ok: false, failure: { code: 'insufficient_funds' } });
    else {
      expect(res).toMatchObject({ ok: true });
      m.balances[this.user] = balance + amount;
    }
  }
  toString() {
    return `funds(user ${this.user}, ${this.cents >= 0 ? '+' : ''}${this.cents / 100})`;
  }
}

class HandSettleCmd implements Op {
  constructor(
    readonly n: number,
    readonly to: Status,
    readonly remainsPick: number,
    readonly force: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.orders.length > 0;
  async exec(m: Model, r: Real) {
    const o = pick(m.orders, this.n);
    if (!o) return;
    const remains =
      this.remainsPick === 0
        ? undefined
        : this.remainsPick === 1
          ? 0n
          : this.remainsPick === 2
            ? o.total + 1n
            : 1n + (BigInt(this.remainsPick) % o.total);
    const res = await setOrderStatus({
      db: world.db(),
      actor: await adminActor(world.db()),
      orderId: o.id,
      change: { status: this.to, ...(remains === undefined ? {} : { remains }) },
      force: this.force,
    });
    let expected: string | null;
    if ((o.sent || o.review) && !this.force) expected = 'order_at_provider';
    else {
      expected = settleModel(m, o, this.to, remains);
    }
    if (expected === null) expect(res, this.toString()).toMatchObject({ ok: true });
    else expect(res, this.toString()).toMatchObject({ ok: false, failure: { code: expected } });
    void r;
  }
  toString() {
    return `orders set(order #${this.n}, ${this.to}, remains pick ${this.remainsPick}${this.force ? ', --force' : ''})`;
  }
}

/** The upstream's answer to `status` for one sent order changes (applied by the next engine round). */
class UpstreamReportsCmd implements Op {
  constructor(
    readonly n: number,
    readonly what: 'Pending' | 'In progress' | 'Completed' | 'Partial' | 'Canceled' | 'Expired',
    readonly k: number,
  ) {}
  check = (m: Readonly<Model>) => m.orders.some((o) => o.sent);
  async exec(m: Model, r: Real) {
    // Mostly orders still open (a terminal one shows that late answers change nothing).
    const open = m.orders.filter((x) => x.sent && ACTIVE(x));
    const o = pick(open.length > 0 && this.k % 5 !== 0 ? open : m.orders.filter((x) => x.sent), this.n);
    if (!o) return;
    const isSub = o.svc.type === 'Subscriptions';
    // k picks remains (or delivered posts): sometimes 0 or past the total, to see those ignored.
    const k = BigInt(this.k) % (o.total + 2n);
    let e: Entry;
    switch (this.what) {
      case 'Pending':
        e = { status: 'Pending' };
        break;
      case 'In progress':
        e = isSub ? { status: 'Active', posts: k } : { status: 'In progress', remains: k };
        break;
      case 'Completed':
        e = { status: 'Completed' };
        break;
      case 'Partial':
        e = isSub ? { status: 'PartialPosts', posts: k } : { status: 'Partial', remains: k };
        break;
      case 'Canceled':
        e = { status: 'Canceled' };
        break;
      case 'Expired':
        e = isSub ? { status: 'Expired', posts: k } : { status: 'Canceled' };
        break;
    }
    o.entry = e;
    world.up.setStatus(await upstreamIdOf(o.id), upstreamEntry(e));
    void r;
  }
  toString() {
    return `upstream reports(sent order #${this.n}, ${this.what}, k ${this.k})`;
  }
}

class UpstreamAddModeCmd implements Op {
  constructor(readonly mode: 'accept' | 'refuse' | 'unknown') {}
  check = () => true;
  async exec(m: Model) {
    m.addMode = this.mode;
  }
  toString() {
    return `upstream add mode(${this.mode})`;
  }
}

/** The upstream finishes (or rejects) the forwarded refills it has. */
class UpstreamRefillsCmd implements Op {
  constructor(readonly to: 'completed' | 'rejected' | 'in_progress') {}
  check = (m: Readonly<Model>) => m.orders.some((o) => o.refills.some((f) => f.forwarded));
  async exec(m: Model) {
    const text = { completed: 'Completed', rejected: 'Rejected', in_progress: 'In progress' }[this.to];
    for (const o of m.orders)
      for (const f of o.refills) {
        if (!f.forwarded || f.upstreamId === undefined) continue;
        if (f.status !== 'pending' && f.status !== 'in_progress') continue;
        f.upstream = this.to;
        world.up.refillStatus.set(f.upstreamId, text);
      }
  }
  toString() {
    return `upstream refills(${this.to})`;
  }
}

/** The operator moves a refill that is fulfilled by hand. */
class HandRefillCmd implements Op {
  constructor(
    readonly n: number,
    readonly to: 'completed' | 'rejected' | 'in_progress',
  ) {}
  check = (m: Readonly<Model>) => m.orders.some((o) => o.refills.some((f) => !f.forwarded));
  async exec(m: Model) {
    const f = pick(
      m.orders.flatMap((o) => o.refills.filter((x) => !x.forwarded)),
      this.n,
    );
    if (!f) return;
    const res = await setRefillStatus({ db: world.db(), actor: SYSTEM, refillId: f.id, status: this.to });
    const allowed = (f.status === 'pending' || f.status === 'in_progress') && f.status !== this.to;
    if (allowed) {
      expect(res, this.toString()).toMatchObject({ ok: true });
      f.status = this.to;
    } else expect(res, this.toString()).toMatchObject({ ok: false, failure: { code: 'conflict' } });
  }
  toString() {
    return `refills set(manual refill #${this.n}, ${this.to})`;
  }
}

/** Whether the upstream created the order of an `add` it answered with a 500: even link numbers. */
const createdOnUnknown = (link: string) => Number(/(\d+)$/.exec(link)?.[1] ?? '1') % 2 === 0;

/**
 * The operator resolves an order in review: from what the upstream really has (`sent` with its id, or
 * `not sent`, which queues it again), or by canceling it.
 */
class ResolveReviewCmd implements Op {
  constructor(
    readonly n: number,
    readonly how: 'truth' | 'cancel',
  ) {}
  check = (m: Readonly<Model>) => m.orders.some((o) => o.review);
  async exec(m: Model) {
    const o = pick(
      m.orders.filter((x) => x.review),
      this.n,
    );
    if (!o) return;
    const upstreamOrder = world.up.orderByLink(o.link);
    const resolution =
      this.how === 'cancel'
        ? ({ kind: 'cancel' } as const)
        : upstreamOrder
          ? ({ kind: 'sent', upstreamOrderId: upstreamOrder.id } as const)
          : ({ kind: 'not_sent' } as const);
    const res = await resolveReview({
      db: world.db(),
      actor: await adminActor(world.db()),
      orderId: o.id,
      resolution,
    });
    o.review = false;
    let expected: string | null = null;
    if (resolution.kind === 'sent') {
      o.sent = true;
      o.entry = { status: 'Pending' };
      if (o.status === 'pending') settleModel(m, o, 'processing', undefined);
    } else if (resolution.kind === 'cancel') {
      o.closed = true;
      expected = settleModel(m, o, 'canceled', undefined);
    }
    if (expected === null) expect(res, this.toString()).toMatchObject({ ok: true });
    else expect(res, this.toString()).toMatchObject({ ok: false, failure: { code: expected } });
  }
  toString() {
    return `orders review(order in review #${this.n}, ${this.how})`;
  }
}

class EngineCmd implements Op {
  constructor(readonly restart: boolean) {}
  check = () => true;
  async exec(m: Model, r: Real) {
    if (this.restart) r.engine = makeEngine(world.db(), world.dialect());
    world.up.handlers.add =
      m.addMode === 'accept'
        ? (p, up) => {
            const o = up.createOrder(p);
            o.entry = upstreamEntry({ status: 'Pending' });
            return { json: { order: Number(o.id) } };
          }
        : m.addMode === 'refuse'
          ? () => ({ json: { error: 'Incorrect link for this service' } })
          : (p, up) => {
              if (createdOnUnknown(p.link ?? p.username ?? ''))
                up.createOrder(p).entry = upstreamEntry({ status: 'Pending' });
              return { status: 500, body: '<html>Internal Server Error</html>' };
            };
    // Two rounds: the first sends and forwards, the second sees what the first left (forwarded refills).
    await r.engine.rounds(2);
    engineModel(m);
    // Learn the upstream ids of refills just forwarded (to script their statuses).
    for (const o of m.orders)
      for (const f of o.refills)
        if (f.forwarded && f.upstreamId === undefined) {
          const row = await world
            .db()
            .selectFrom('refills')
            .select('provider_refill_id')
            .where('id', '=', f.id)
            .executeTakeFirstOrThrow();
          if (row.provider_refill_id !== null) f.upstreamId = String(row.provider_refill_id);
        }
  }
  toString() {
    return this.restart ? 'worker restart + engine rounds' : 'engine rounds';
  }
}

const userIdx = fc.integer({ min: 0, max: 1 });
const addCommand = fc
  .tuple(
    userIdx,
    // Services with refill on come twice as often, so that refills get exercised.
    fc.constantFrom(...SERVICES.flatMap((s) => (s.refill ? [s.key, s.key] : [s.key]))),
    fc.nat(100_000),
    fc.option(fc.record({ runs: fc.integer({ min: 1, max: 5 }), interval: fc.integer({ min: 1, max: 60 }) })),
    fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'badLink', 'belowMin'),
  )
  .map(([u, s, q, d, v]) => checked(new AddCmd(u, s, q, d, v as 'ok' | 'badLink' | 'belowMin')));
const cancelCommand = fc.tuple(fc.nat(), fc.boolean()).map(([n, other]) => checked(new CancelCmd(n, other)));
const refillCommand = fc.tuple(fc.nat(), fc.boolean()).map(([n, other]) => checked(new RefillCmd(n, other)));
const fundsCommand = fc
  .tuple(userIdx, fc.integer({ min: -3000, max: 5000 }))
  .map(([u, c]) => checked(new FundsCmd(u, c)));
const handSettleCommand = fc
  .tuple(
    fc.nat(),
    fc.constantFrom<Status>('processing', 'in_progress', 'completed', 'partial', 'canceled'),
    fc.nat(10_000),
    fc.boolean(),
  )
  .map(([n, to, rp, force]) => checked(new HandSettleCmd(n, to, rp, force)));
const upstreamReportsCommand = fc
  .tuple(
    fc.nat(),
    fc.constantFrom('Pending', 'In progress', 'Completed', 'Partial', 'Partial', 'Canceled', 'Expired'),
    fc.nat(10_000),
  )
  .map(([n, w, k]) => checked(new UpstreamReportsCmd(n, w as UpstreamReportsCmd['what'], k)));
const addModeCommand = fc
  .constantFrom('accept', 'accept', 'accept', 'refuse', 'unknown')
  .map((mode) => checked(new UpstreamAddModeCmd(mode as 'accept' | 'refuse' | 'unknown')));
const resolveReviewCommand = fc
  .tuple(fc.nat(), fc.constantFrom('truth', 'truth', 'cancel'))
  .map(([n, how]) => checked(new ResolveReviewCmd(n, how as 'truth' | 'cancel')));
const upstreamRefillsCommand = fc
  .constantFrom('completed', 'rejected', 'in_progress')
  .map((to) => checked(new UpstreamRefillsCmd(to as 'completed')));
const handRefillCommand = fc
  .tuple(fc.nat(), fc.constantFrom('completed', 'rejected', 'in_progress'))
  .map(([n, to]) => checked(new HandRefillCmd(n, to as 'completed' | 'rejected')));
const engineCommand = fc
  .constantFrom(false, false, false, true)
  .map((restart) => checked(new EngineCmd(restart)));

/** Repetition is weight: fc.commands picks uniformly among these. */
const commands = [
  addCommand,
  addCommand,
  addCommand,
  cancelCommand,
  refillCommand,
  refillCommand,
  fundsCommand,
  handSettleCommand,
  upstreamReportsCommand,
  upstreamReportsCommand,
  upstreamReportsCommand,
  addModeCommand,
  resolveReviewCommand,
  resolveReviewCommand,
  upstreamRefillsCommand,
  upstreamRefillsCommand,
  handRefillCommand,
  engineCommand,
  engineCommand,
  engineCommand,
];

// ---- the suite ----------------------------------------------------------------------------------

describeEachDb('model-based: the panel agrees with a model of balances, orders and refills', (t) => {
  beforeAll(async () => {
    const db = () => t().db.db;
    const up = await startScriptedUpstream({
      services: SERVICES.filter((s) => s.upstream).map((s, i) => ({
        service: 100 + i,
        name: `Model ${s.key}`,
        type: s.type,
        category: 'Model',
        rate: s.rate,
        min: s.min,
        max: s.max,
        dripfeed: s.dripfeed,
        refill: s.refill,
        cancel: s.cancel,
      })),
    });
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('model'),
      url: up.url,
      apiKey: up.key,
    });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    const imp = await importServices({ db: db(), actor: SYSTEM, providerId: p.value.id, markupPercent: '0' });
    if (!imp.ok) throw new Error(JSON.stringify(imp.failure));
    const rows = await db()
      .selectFrom('services')
      .select(['id', 'provider_service_id'])
      .where('provider_id', '=', p.value.id)
      .execute();
    const serviceIds = new Map<string, number>();
    SERVICES.filter((s) => s.upstream).forEach((s, i) => {
      const row = rows.find((x) => String(x.provider_service_id) === String(100 + i));
      if (!row) throw new Error(`service ${s.key} not imported`);
      serviceIds.set(s.key, Number(row.id));
    });
    for (const s of SERVICES.filter((x) => !x.upstream)) {
      serviceIds.set(
        s.key,
        await seedService(db(), {
          name: `Manual ${s.key}`,
          type: s.type,
          rate: s.rate,
          min: s.min,
          max: s.max,
          dripfeed: s.dripfeed,
          refill: s.refill,
          cancel: s.cancel,
        }),
      );
    }
    world = { app: await makeApi(db()), up, serviceIds, db, dialect: () => t().dialect };
  });
  afterAll(async () => {
    await world?.app.close();
    await world?.up.close();
  });

  it(`random sequences of adds, refusals, cancels, refills, funds, settlements (engine and by hand) and worker restarts never diverge; ledger check clean (seed ${SEED}, ${RUNS} runs)`, async () => {
    const started = Date.now();
    let runs = 0;
    commandsRun = 0;
    stats.clear();
    console.log(`model test [${t().dialect}]: FC_SEED=${SEED} FC_RUNS=${RUNS}`);
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(fc.nat(20_000), fc.nat(20_000)),
        fc.commands(commands, { maxCommands: MAX_COMMANDS, size: 'max' }),
        async ([b0, b1], cmds) => {
          runs++;
          linkSeq = 0;
          runTag = uniqueName('run');
          const users = [];
          const balances: bigint[] = [];
          for (const cents of [b0, b1]) {
            const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
            users.push(await seedUser(world.db(), amount));
            balances.push(BigInt(cents) * 100_000n);
          }
          const model: Model = { balances, orders: [], addMode: 'accept' };
          const real: Real = { users, engine: makeEngine(world.db(), world.dialect()) };
          try {
            await fc.asyncModelRun(() => ({ model, real }), cmds);
            // At most once: the upstream created at most one order per link of this run.
            for (const o of model.orders) {
              const created = [...world.up.orders.values()].filter(
                (u) => u.params.link === o.link || u.params.username === o.link,
              );
              expect(created.length, `upstream orders for order ${o.id}`).toBeLessThanOrEqual(1);
            }
            expect((await checkLedger({ db: world.db() })).problems).toEqual([]);
            // The sync's schedule holds a check for exactly the orders that are sent and still active.
            if (model.orders.length > 0) {
              const rows = await world
                .db()
                .selectFrom('orders')
                .leftJoin('order_checks', 'order_checks.order_id', 'orders.id')
                .select([
                  'orders.id',
                  'orders.status',
                  'orders.dispatch_state',
                  'order_checks.order_id as checked',
                ])
                .where(
                  'orders.id',
                  'in',
                  model.orders.map((o) => o.id),
                )
                .execute();
              for (const r of rows) {
                const followed = r.dispatch_state === 'sent' && !isTerminal(r.status as OrderStatus);
                expect(r.checked !== null, `order ${r.id} (${r.status}, ${r.dispatch_state})`).toBe(followed);
              }
            }
            for (const o of model.orders) count(`order ${o.status}${o.sent ? ' (sent)' : ''}`);
          } finally {
            // Leave nothing for the next run's engine: end this run's open orders and refills.
            world.up.handlers.add = undefined;
            for (const o of model.orders)
              if (!isTerminal(o.status))
                await setOrderStatus({
                  db: world.db(),
                  actor: await adminActor(world.db()),
                  orderId: o.id,
                  change: { status: 'canceled' },
                  force: true,
                });
            for (const o of model.orders)
              for (const f of o.refills)
                if (f.status === 'pending' || f.status === 'in_progress')
                  await setRefillStatus({
                    db: world.db(),
                    actor: SYSTEM,
                    refillId: f.id,
                    status: 'canceled',
                  });
          }
        },
      ),
      {
        seed: SEED,
        numRuns: RUNS,
        ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
        endOnFailure: process.env.FC_SHRINK !== '1',
        verbose: 1,
      },
    );
    console.log(`model test [${t().dialect}]: ${[...stats].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(
      `model test [${t().dialect}]: ${runs} runs, ${commandsRun} commands, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});
