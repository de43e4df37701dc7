/**
 * The simulated provider, for demos and tests only: an upstream panel speaking API v2 whose orders
 * progress over time (start count, deliveries, some Partial and Canceled, refills), deterministic for a
 * given seed. It keeps everything in memory; `GET /sim/stats` shows what it received, which tests use
 * to count upstream orders.
 */
import { createHash } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { formatAmount, formatRate, parseRate } from '../money.js';

interface SimService {
  service: number;
  name: string;
  type: string;
  category: string;
  rate: string;
  min: number;
  max: number;
  dripfeed: boolean;
  refill: boolean;
  cancel: boolean;
}

const CATALOG: SimService[] = [
  {
    service: 1,
    name: 'Instagram Followers [refill 30 days]',
    type: 'Default',
    category: 'Instagram',
    rate: '0.90',
    min: 10,
    max: 100000,
    dripfeed: true,
    refill: true,
    cancel: true,
  },
  {
    service: 2,
    name: 'Instagram Likes',
    type: 'Default',
    category: 'Instagram',
    rate: '0.25',
    min: 10,
    max: 50000,
    dripfeed: false,
    refill: false,
    cancel: true,
  },
  {
    service: 3,
    name: 'YouTube Views',
    type: 'Default',
    category: 'YouTube',
    rate: '1.10',
    min: 100,
    max: 1000000,
    dripfeed: true,
    refill: false,
    cancel: false,
  },
  {
    service: 4,
    name: 'Instagram Custom Comments',
    type: 'Custom Comments',
    category: 'Instagram',
    rate: '8',
    min: 1,
    max: 1000,
    dripfeed: false,
    refill: false,
    cancel: true,
  },
  {
    service: 5,
    name: 'Instagram Mentions (user followers)',
    type: 'Mentions User Followers',
    category: 'Instagram',
    rate: '3.5',
    min: 100,
    max: 20000,
    dripfeed: false,
    refill: false,
    cancel: false,
  },
  {
    service: 6,
    name: 'Twitter Poll Votes',
    type: 'Poll',
    category: 'Twitter',
    rate: '0.5',
    min: 50,
    max: 10000,
    dripfeed: false,
    refill: false,
    cancel: true,
  },
  {
    service: 7,
    name: 'Instagram Auto Likes (subscription)',
    type: 'Subscriptions',
    category: 'Instagram',
    rate: '0.3',
    min: 50,
    max: 5000,
    dripfeed: false,
    refill: false,
    cancel: true,
  },
  {
    service: 8,
    name: 'Instagram Comment Replies',
    type: 'Comment Replies',
    category: 'Instagram',
    rate: '9',
    min: 1,
    max: 500,
    dripfeed: false,
    refill: false,
    cancel: false,
  },
];

interface SimOrder {
  id: number;
  service: SimService;
  quantity: number;
  createdAt: number;
  params: Record<string, string>;
  canceledAt: number | null;
  chargeUnits: bigint;
  posts: number | null;
  /** Preloaded (see SimulatorOptions.preload): In progress at a fixed point until canceled. */
  preloaded?: true;
}

interface SimRefill {
  id: number;
  orderId: number;
  createdAt: number;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  key?: string;
  /** Time multiplier: 2 makes orders progress twice as fast. */
  speed?: number;
  /** Opening balance of the simulated account. */
  balance?: string;
  /**
   * Benchmarks and tests only: create this many orders at start, before any `add`, with the ids
   * PRELOADED.firstId, +1, ... (a large population of active orders to sync). They are of service
   * PRELOADED.service, quantity PRELOADED.quantity, and answer `In progress` with start count
   * PRELOADED.startCount and remains PRELOADED.remains until canceled. They cost no balance and do not
   * count as adds in the stats.
   */
  preload?: number;
}

/** What preloaded orders are and answer (see SimulatorOptions.preload). */
export const PRELOADED = {
  firstId: 1000,
  service: 1,
  quantity: 1000,
  startCount: 100,
  remains: 500,
} as const;

export interface Simulator {
  app: FastifyInstance;
  url: string;
  stats(): { adds: number; orders: number; byLink: Record<string, number> };
  close(): Promise<void>;
}

function rand(seed: number, id: number, salt: string): number {
  const h = createHash('sha256').update(`${seed}:${id}:${salt}`).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const seed = opts.seed ?? 1;
  const key = opts.key ?? 'sim-key';
  const speed = opts.speed ?? 1;
  let balanceUnits = parseRate(opts.balance ?? '1000') ?? 0n;
  const orders = new Map<number, SimOrder>();
  const refills = new Map<number, SimRefill>();
  const byLink: Record<string, number> = {};
  let adds = 0;
  let nextOrder = PRELOADED.firstId;
  let nextRefill = 1;
  const preloadService = CATALOG.find((s) => s.service === PRELOADED.service);
  for (let i = 0; i < (opts.preload ?? 0) && preloadService; i++) {
    const id = nextOrder++;
    orders.set(id, {
      id,
      service: preloadService,
      quantity: PRELOADED.quantity,
      createdAt: Date.now(),
      params: {},
      canceledAt: null,
      chargeUnits: ((parseRate(preloadService.rate) ?? 0n) * BigInt(PRELOADED.quantity)) / 1000n,
      posts: null,
      preloaded: true,
    });
  }

  /** Where an order stands now: a pure function of seed, id and elapsed time. */
  function view(o: SimOrder, now: number) {
    const v = orderView(o, now);
    if (o.posts === null) return v;
    // Subscriptions report their own statuses and the posts delivered so far.
    const status =
      v.status === 'In progress' || v.status === 'Pending'
        ? 'Active'
        : v.status === 'Partial'
          ? 'Expired'
          : v.status;
    return { ...v, status, posts: String(o.posts - Number(v.remains)) };
  }

  function orderView(o: SimOrder, now: number) {
    if (o.preloaded && o.canceledAt === null)
      return {
        charge: formatAmount(o.chargeUnits),
        start_count: String(PRELOADED.startCount),
        currency: 'USD',
        status: 'In progress',
        remains: String(PRELOADED.remains),
      };
    const elapsed = (now - o.createdAt) * speed;
    const startDelay = 1000 + rand(seed, o.id, 'start') * 2000;
    const duration = 4000 + rand(seed, o.id, 'duration') * 16000;
    const startCount = Math.floor(rand(seed, o.id, 'count') * 10000);
    const total = o.posts ?? o.quantity;
    const deliveredAt = (t: number) =>
      t <= startDelay ? 0 : Math.min(total, Math.floor((total * (t - startDelay)) / duration));
    const base = { charge: formatAmount(o.chargeUnits), start_count: String(startCount), currency: 'USD' };
    if (o.canceledAt !== null) {
      const delivered = deliveredAt((o.canceledAt - o.createdAt) * speed);
      return delivered === 0
        ? { ...base, status: 'Canceled', remains: String(total) }
        : { ...base, status: 'Partial', remains: String(total - delivered) };
    }
    if (elapsed < startDelay) return { ...base, start_count: '0', status: 'Pending', remains: String(total) };
    if (elapsed < startDelay + duration)
      return { ...base, status: 'In progress', remains: String(total - deliveredAt(elapsed)) };
    const r = rand(seed, o.id, 'outcome');
    if (r < 0.8) return { ...base, status: 'Completed', remains: '0' };
    if (r < 0.9) {
      const remains = Math.max(1, Math.floor(total * rand(seed, o.id, 'remains') * 0.9));
      return { ...base, status: 'Partial', remains: String(Math.min(remains, total)) };
    }
    return { ...base, status: 'Canceled', remains: String(total) };
  }

  function lines(text: string | undefined): number {
    return (text ?? '').split(/\r\n|\n|\r/).filter((l) => l.trim()).length;
  }

  function add(p: Record<string, string>): unknown {
    const service = CATALOG.find((s) => String(s.service) === p.service);
    if (!service) return { error: 'Incorrect service ID' };
    let quantity: number;
    let posts: number | null = null;
    if (service.type === 'Subscriptions') {
      if (!p.username) return { error: 'Missing parameter: username' };
      quantity = Number(p.max);
      posts = p.posts ? Number(p.posts) : 10;
    } else {
      if (!p.link) return { error: 'Missing parameter: link' };
      quantity = ['Custom Comments', 'Comment Replies'].includes(service.type)
        ? lines(p.comments)
        : Number(p.quantity);
    }
    if (!Number.isSafeInteger(quantity)) return { error: 'Incorrect quantity' };
    if (quantity < service.min) return { error: `Quantity less than minimal ${service.min}` };
    if (quantity > service.max) return { error: `Quantity more than maximal ${service.max}` };
    const runs = p.runs ? Number(p.runs) : 1;
    if (p.runs && (!service.dripfeed || !Number.isSafeInteger(runs) || runs < 1))
      return { error: 'Drip-feed is not available for this service' };
    const rate = parseRate(service.rate) ?? 0n;
    const chargeUnits = (rate * BigInt(quantity * runs * (posts ?? 1))) / 1000n;
    if (chargeUnits > balanceUnits) return { error: 'Not enough funds on balance' };
    balanceUnits -= chargeUnits;
    const id = nextOrder++;
    adds++;
    const linkKey = p.link ?? p.username ?? '';
    byLink[linkKey] = (byLink[linkKey] ?? 0) + 1;
    orders.set(id, {
      id,
      service,
      quantity: quantity * runs,
      createdAt: Date.now(),
      params: p,
      canceledAt: null,
      chargeUnits,
      posts,
    });
    return { order: id };
  }

  function ids(text: string | undefined): string[] {
    return (text ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .slice(0, 100);
  }

  function handle(p: Record<string, string>): unknown {
    if (p.key !== key) return { error: 'Invalid API key' };
    const now = Date.now();
    switch (p.action) {
      case 'balance':
        return { balance: formatAmount(balanceUnits), currency: 'USD' };
      case 'services':
        return CATALOG.map((s) => ({ ...s, rate: formatRate(parseRate(s.rate) ?? 0n) }));
      case 'add':
        return add(p);
      case 'status': {
        if (p.orders !== undefined) {
          const out: Record<string, unknown> = {};
          for (const id of ids(p.orders)) {
            const o = orders.get(Number(id));
            out[id] = o ? view(o, now) : { error: 'Incorrect order ID' };
          }
          return out;
        }
        const o = orders.get(Number(p.order));
        return o ? view(o, now) : { error: 'Incorrect order ID' };
      }
      case 'cancel':
        return ids(p.orders ?? p.order).map((id) => {
          const o = orders.get(Number(id));
          if (!o) return { order: Number(id), cancel: { error: 'Incorrect order ID' } };
          const st = view(o, now).status;
          if (!o.service.cancel || !['Pending', 'In progress'].includes(st))
            return { order: o.id, cancel: { error: 'Order cannot be canceled' } };
          o.canceledAt = now;
          return { order: o.id, cancel: 'Your cancellation request has been received.' };
        });
      case 'refill': {
        const one = (id: string) => {
          const o = orders.get(Number(id));
          if (!o) return { error: 'Incorrect order ID' };
          const st = view(o, now).status;
          if (!o.service.refill || !['Completed', 'Partial'].includes(st))
            return { error: 'Order cannot be refilled' };
          const r = { id: nextRefill++, orderId: o.id, createdAt: now };
          refills.set(r.id, r);
          return { refill: r.id };
        };
        if (p.orders !== undefined) return ids(p.orders).map((id) => ({ order: Number(id), ...one(id) }));
        return one(p.order ?? '');
      }
      case 'refill_status': {
        const st = (id: string) => {
          const r = refills.get(Number(id));
          if (!r) return { error: 'Refill not found' };
          const t = (now - r.createdAt) * speed;
          return t < 2000
            ? 'Pending'
            : t < 5000
              ? 'In progress'
              : rand(seed, r.id, 'refill') < 0.9
                ? 'Completed'
                : 'Rejected';
        };
        if (p.refills !== undefined)
          return ids(p.refills).map((id) => ({ refill: Number(id), status: st(id) }));
        const s = st(p.refill ?? '');
        return typeof s === 'string' ? { refill: Number(p.refill), status: s } : s;
      }
      default:
        return { error: 'Incorrect request' };
    }
  }

  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  await app.register(formbody);
  app.route({
    method: ['GET', 'POST'],
    url: '/api/v2',
    handler: async (req) => {
      const p: Record<string, string> = {};
      for (const src of [req.query, req.body]) {
        if (src && typeof src === 'object') {
          for (const [k, v] of Object.entries(src)) if (typeof v === 'string') p[k] = v;
        }
      }
      return handle(p);
    },
  });
  app.get('/sim/stats', async () => ({ adds, orders: orders.size, byLink }));
  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    app,
    url: `http://${opts.host ?? '127.0.0.1'}:${port}/api/v2`,
    stats: () => ({ adds, orders: orders.size, byLink: { ...byLink } }),
    close: () => app.close(),
  };
}
