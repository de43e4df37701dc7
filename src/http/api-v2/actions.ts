/**
 * The actions of API v2: each takes the authenticated user and the request's parameters and returns
 * the JSON body to send, shaped exactly as the reference shows (numbers where it shows numbers, strings
 * where it shows strings). Failures become `{"error": "..."}` through errors.ts, the face's one mapping.
 */
import { getBalance } from '../../accounts/get-balance.js';
import type { User } from '../../accounts/users.repo.js';
import { requestCancel } from '../../cancels/request-cancel.js';
import { listServices } from '../../catalog/list-services.js';
import type { Executor } from '../../db/executor.js';
import { formatAmount } from '../../money.js';
import { getOrderStatuses, type OrderStatusView } from '../../orders/get-order-statuses.js';
import { API_STATUS } from '../../orders/order.state.js';
import { placeOrder } from '../../orders/place-order.js';
import { createRefill } from '../../refills/create-refill.js';
import { getRefillStatuses } from '../../refills/get-refill-statuses.js';
import { API_REFILL_STATUS } from '../../refills/refill.state.js';
import type { Failure } from '../../result.js';
import { getCurrency } from '../../settings/settings.js';
import { errorBody } from './errors.js';
import { MAX_IDS, parseId, parseIdList, type RequestParams } from './params.js';

export type Json = unknown;

export interface ActionContext {
  db: Executor;
  user: User;
  params: RequestParams;
}

const REFILL_MESSAGE = 'Your refill request has been received, please wait.';
const CANCEL_MESSAGE = 'Your cancellation request has been received.';

/** A list parameter (`orders`, `refills`): parsed ids, or the failure to answer with. */
function idListParam(
  ctx: ActionContext,
  name: string,
): { tokens: ReturnType<typeof parseIdList> & object } | { failure: Failure } {
  if (ctx.params.isMalformed(name)) return { failure: { code: 'invalid_param', param: name } };
  const raw = ctx.params.get(name);
  if (raw === undefined || raw.trim() === '') return { failure: { code: 'missing_param', param: name } };
  const tokens = parseIdList(raw);
  if (tokens === null) return { failure: { code: 'too_many_ids', max: MAX_IDS } };
  if (tokens.length === 0) return { failure: { code: 'missing_param', param: name } };
  return { tokens };
}

/** The token as a number where it is one, as the client wrote it otherwise. */
const echoId = (t: { token: string; id: number | null }) => t.id ?? t.token;

/** An answer already written as JSON text, sent as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * The `services` answer of each catalogue view, written once: listServices hands back the same list
 * for as long as the catalogue does not change, so its JSON text is kept with it (and dropped with it).
 */
const servicesText = new WeakMap<object, JsonText>();

async function services(ctx: ActionContext): Promise<Json> {
  const list = await listServices({ db: ctx.db, userId: ctx.user.id });
  let text = servicesText.get(list);
  if (!text) {
    text = new JsonText(JSON.stringify(servicesAnswer(list)));
    servicesText.set(list, text);
  }
  return text;
}

function servicesAnswer(list: Awaited<ReturnType<typeof listServices>>) {
  // `desc` beside `description`: child panels built on SmartPanel read the description from `desc`.
  return list.map((s) => ({
    service: s.id,
    name: s.name,
    type: s.type,
    category: s.category,
    rate: s.rate,
    min: s.min,
    max: s.max,
    dripfeed: s.dripfeed,
    refill: s.refill,
    cancel: s.cancel,
    description: s.description,
    desc: s.description,
  }));
}

async function add(ctx: ActionContext): Promise<Json> {
  const r = await placeOrder({
    db: ctx.db,
    userId: ctx.user.id,
    serviceId: ctx.params.get('service'),
    params: ctx.params,
  });
  return r.ok ? { order: r.value.orderId } : errorBody(r.failure);
}

function orderStatusBody(o: OrderStatusView, currency: string) {
  return {
    charge: formatAmount(o.chargeUnits - o.refundedUnits),
    start_count: (o.startCount ?? 0n).toString(),
    // Only the API's own names: a status edited in the database must not find Object's members.
    status: Object.hasOwn(API_STATUS, o.status) ? API_STATUS[o.status] : undefined,
    remains: o.remains.toString(),
    currency,
  };
}

/** `{"charge":…,"currency":…}` of one order, as JSON text (the same keys and order as orderStatusBody). */
function orderStatusText(o: OrderStatusView, currency: string, currencyJson: string): string {
  const status = STATUS_JSON.get(o.status);
  // A status outside the state machine's table (never written by the panel) is answered as before.
  if (status === undefined) return JSON.stringify(orderStatusBody(o, currency));
  // Amounts and counts are digits (a sign, a point): nothing in them needs escaping.
  return `{"charge":"${formatAmount(o.chargeUnits - o.refundedUnits)}","start_count":"${o.startCount ?? 0n}","status":${status},"remains":"${o.remains}","currency":${currencyJson}}`;
}

// A map, not an object: a stored status such as "constructor" must not find Object's own members.
const STATUS_JSON = new Map(Object.entries(API_STATUS).map(([k, v]) => [k, JSON.stringify(v)]));
const UNKNOWN_ORDER_JSON = JSON.stringify(errorBody({ code: 'unknown_order' }));

/**
 * A key of a JS object that V8 keeps as an array index: such keys come first, in numeric order, when
 * an object is written as JSON; every other key follows in the order it was added.
 */
const isArrayIndex = (key: string) => /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) <= 4_294_967_294;

/**
 * The multi `status` answer written as JSON text: the same bytes as JSON.stringify of the object keyed
 * by each token as the client wrote it (keys that are array indices first, in numeric order, then the
 * others as listed), without building 100 objects to write them out again.
 */
function multiStatusText(
  tokens: { token: string; id: number | null }[],
  found: Map<number, OrderStatusView>,
  currency: string,
): JsonText {
  const currencyJson = JSON.stringify(currency);
  const entry = (t: { token: string; id: number | null }) => {
    const o = t.id === null ? undefined : found.get(t.id);
    return `${JSON.stringify(t.token)}:${o ? orderStatusText(o, currency, currencyJson) : UNKNOWN_ORDER_JSON}`;
  };
  const indexed: typeof tokens = [];
  const others: typeof tokens = [];
  for (const t of tokens) (isArrayIndex(t.token) ? indexed : others).push(t);
  indexed.sort((a, b) => Number(a.token) - Number(b.token));
  return new JsonText(`{${[...indexed, ...others].map(entry).join(',')}}`);
}

async function status(ctx: ActionContext): Promise<Json> {
  const currency = await getCurrency(ctx.db);
  if (ctx.params.get('orders') !== undefined || ctx.params.isMalformed('orders')) {
    const list = idListParam(ctx, 'orders');
    if ('failure' in list) return errorBody(list.failure);
    const ids = list.tokens.flatMap((t) => (t.id === null ? [] : [t.id]));
    const found = await getOrderStatuses({ db: ctx.db, userId: ctx.user.id, orderIds: ids });
    return multiStatusText(list.tokens, found, currency);
  }
  const id = parseId(ctx.params.get('order'));
  if (ctx.params.get('order') === undefined && !ctx.params.isMalformed('order')) {
    return errorBody({ code: 'missing_param', param: 'order' });
  }
  if (id === null) return errorBody({ code: 'unknown_order' });
  const o = (await getOrderStatuses({ db: ctx.db, userId: ctx.user.id, orderIds: [id] })).get(id);
  return o ? orderStatusBody(o, currency) : errorBody({ code: 'unknown_order' });
}

async function refill(ctx: ActionContext): Promise<Json> {
  if (ctx.params.get('orders') !== undefined || ctx.params.isMalformed('orders')) {
    const list = idListParam(ctx, 'orders');
    if ('failure' in list) return errorBody(list.failure);
    const out: unknown[] = [];
    for (const t of list.tokens) {
      const r = t.id === null ? null : await createRefill({ db: ctx.db, userId: ctx.user.id, orderId: t.id });
      if (r?.ok) {
        out.push({ order: t.id, refill: r.value.refillId, message: REFILL_MESSAGE });
      } else {
        const { error } = errorBody(r ? r.failure : { code: 'unknown_order' });
        out.push({ order: echoId(t), refill: { error }, message: error });
      }
    }
    return out;
  }
  if (ctx.params.get('order') === undefined && !ctx.params.isMalformed('order')) {
    return errorBody({ code: 'missing_param', param: 'order' });
  }
  const id = parseId(ctx.params.get('order'));
  if (id === null) return errorBody({ code: 'unknown_order' });
  const r = await createRefill({ db: ctx.db, userId: ctx.user.id, orderId: id });
  if (!r.ok) return errorBody(r.failure);
  return { order: String(id), refill: String(r.value.refillId), message: REFILL_MESSAGE };
}

async function refillStatus(ctx: ActionContext): Promise<Json> {
  if (ctx.params.get('refills') !== undefined || ctx.params.isMalformed('refills')) {
    const list = idListParam(ctx, 'refills');
    if ('failure' in list) return errorBody(list.failure);
    const ids = list.tokens.flatMap((t) => (t.id === null ? [] : [t.id]));
    const found = await getRefillStatuses({ db: ctx.db, userId: ctx.user.id, refillIds: ids });
    return list.tokens.map((t) => {
      const r = t.id === null ? undefined : found.get(t.id);
      return r
        ? { refill: r.id, status: API_REFILL_STATUS[r.status] }
        : { refill: echoId(t), status: errorBody({ code: 'unknown_refill' }) };
    });
  }
  if (ctx.params.get('refill') === undefined && !ctx.params.isMalformed('refill')) {
    return errorBody({ code: 'missing_param', param: 'refill' });
  }
  const id = parseId(ctx.params.get('refill'));
  if (id === null) return errorBody({ code: 'unknown_refill' });
  const r = (await getRefillStatuses({ db: ctx.db, userId: ctx.user.id, refillIds: [id] })).get(id);
  return r ? { refill: r.id, status: API_REFILL_STATUS[r.status] } : errorBody({ code: 'unknown_refill' });
}

async function cancel(ctx: ActionContext): Promise<Json> {
  // The reference takes `orders`; a lone `order` is accepted too and answered in the same list shape.
  const name =
    ctx.params.get('orders') === undefined && ctx.params.get('order') !== undefined ? 'order' : 'orders';
  const list = idListParam(ctx, name);
  if ('failure' in list) return errorBody(list.failure);
  const out: unknown[] = [];
  for (const t of list.tokens) {
    const r = t.id === null ? null : await requestCancel({ db: ctx.db, userId: ctx.user.id, orderId: t.id });
    out.push(
      r?.ok
        ? { order: t.id, cancel: CANCEL_MESSAGE }
        : { order: echoId(t), cancel: errorBody(r ? r.failure : { code: 'unknown_order' }) },
    );
  }
  return out;
}

async function balance(ctx: ActionContext): Promise<Json> {
  return getBalance({ db: ctx.db, user: ctx.user });
}

export const ACTIONS: Record<string, (ctx: ActionContext) => Promise<Json>> = {
  services,
  add,
  status,
  refill,
  refill_status: refillStatus,
  cancel,
  balance,
};
