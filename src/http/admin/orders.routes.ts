/**
 * The admin area's orders: the filtered list, one order, a status set by hand, a review case resolved;
 * the refills queue (and moving a refill) and the waiting cancel requests. Each route calls the use
 * case the CLI calls, as the signed-in staff member (the use case checks the role and writes the
 * audit entry).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listCancelRequestsForStaff } from '../../cancels/list-cancel-requests.js';
import type { Executor } from '../../db/executor.js';
import { listOrders, type OrderView } from '../../orders/list-orders.js';
import { type OrderStatus, parseOrderStatus } from '../../orders/order.state.js';
import { resolveReview } from '../../orders/resolve-review.js';
import { setOrderStatus } from '../../orders/set-order-status.js';
import { showOrder } from '../../orders/show-order.js';
import { browseRefills, type RefillView } from '../../refills/list-refills.js';
import { parseRefillStatus, type RefillStatus } from '../../refills/refill.state.js';
import { setRefillStatus } from '../../refills/set-refill-status.js';
import { getCurrency } from '../../settings/settings.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import {
  AdminCancelList,
  AdminOrderChange,
  AdminOrderDetail,
  AdminOrderList,
  AdminRefillChange,
  AdminRefillList,
  AdminResolveReview,
  AdminReviewResolved,
  AdminSetOrderStatus,
  AdminSetRefillStatus,
  OrderIdParams,
  OrdersQuery,
  RefillIdParams,
  RefillsQuery,
} from './orders.schemas.js';

const DAY_MS = 86_400_000;

/** The views speak the API's spelling ("In progress"); the admin answers use the stored names. */
function status(text: string): OrderStatus {
  const s = parseOrderStatus(text);
  if (s === null) throw new Error(`unexpected order status ${text}`);
  return s;
}

function refillStatus(text: string): RefillStatus {
  const s = parseRefillStatus(text);
  if (s === null) throw new Error(`unexpected refill status ${text}`);
  return s;
}

function refillRow(r: RefillView) {
  return { ...r, status: refillStatus(r.status) };
}

function orderRow(x: OrderView) {
  return {
    id: x.id,
    user: { id: x.user_id, username: x.username },
    service: { id: x.service, name: x.service_name },
    link: x.link,
    quantity: x.quantity,
    charge: x.charge,
    refunded: x.refunded,
    status: status(x.status),
    dispatch: x.dispatch,
    provider: x.provider === null ? null : { id: x.provider, name: x.provider_name },
    upstreamOrder: x.upstream_order,
    cancelRequested: x.cancel_requested,
    error: x.error,
    createdAt: x.created_at,
  };
}

export const ordersRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.get(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        querystring: OrdersQuery,
        response: { 200: AdminOrderList, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const byId = q.user !== undefined && /^\d{1,15}$/.test(q.user);
      const r = await listOrders({
        db,
        actor: actorOf(req),
        ...(q.user === undefined ? {} : byId ? { userId: Number(q.user) } : { username: q.user }),
        providerId: q.provider,
        serviceId: q.service,
        status: q.status,
        dispatchState: q.dispatch,
        since: q.from === undefined ? undefined : Date.parse(`${q.from}T00:00:00Z`),
        until: q.to === undefined ? undefined : Date.parse(`${q.to}T00:00:00Z`) + DAY_MS,
        q: q.q,
        beforeId: q.before,
        limit: q.limit,
      });
      if (!r.ok) return failWith(r.failure);
      const last = r.value.at(-1);
      return {
        orders: r.value.map(orderRow),
        currency: await getCurrency(db),
        nextBefore: r.value.length === q.limit && last ? last.id : null,
      };
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        tags: ['orders'],
        params: OrderIdParams,
        response: { 200: AdminOrderDetail, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await showOrder({ db, actor: actorOf(req), orderId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      const v = r.value;
      return {
        ...v,
        currency: await getCurrency(db),
        status: status(v.status),
        ledger: v.ledger.map((e) => ({
          id: e.id,
          at: e.at,
          kind: e.kind,
          amount: e.amount,
          balanceAfter: e.balanceAfter,
          note: e.note,
        })),
        refills: v.refills.map(refillRow),
        dripfeedRuns: v.dripfeedRuns.map((x) => ({ ...x, status: status(x.status) })),
      };
    },
  );

  app.post(
    '/orders/:id/status',
    {
      schema: {
        tags: ['orders'],
        params: OrderIdParams,
        body: AdminSetOrderStatus,
        response: { 200: AdminOrderChange, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const b = req.body;
      const r = await setOrderStatus({
        db,
        actor: actorOf(req),
        orderId: req.params.id,
        change: {
          status: b.status,
          remains: b.remains === undefined ? undefined : BigInt(b.remains),
          startCount: b.startCount === undefined ? undefined : BigInt(b.startCount),
        },
        force: b.force,
        note: b.note || undefined,
      });
      if (!r.ok) return failWith(r.failure);
      return { ...r.value, status: status(r.value.status) };
    },
  );

  app.post(
    '/orders/:id/review',
    {
      schema: {
        tags: ['orders'],
        params: OrderIdParams,
        body: AdminResolveReview,
        response: { 200: AdminReviewResolved, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const b = req.body;
      const actor = actorOf(req);
      const r = await resolveReview({
        db,
        actor,
        orderId: req.params.id,
        resolution:
          b.resolution === 'sent'
            ? { kind: 'sent', upstreamOrderId: b.providerOrderId ?? '' }
            : { kind: b.resolution },
        note: b.note || undefined,
      });
      if (!r.ok) return failWith(r.failure);
      const after = await showOrder({ db, actor, orderId: req.params.id });
      if (!after.ok) return failWith(after.failure);
      return {
        order: req.params.id,
        resolution: b.resolution,
        status: status(after.value.status),
        dispatch: after.value.dispatch,
      };
    },
  );

  app.get(
    '/refills',
    {
      schema: {
        tags: ['refills'],
        querystring: RefillsQuery,
        response: { 200: AdminRefillList, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const r = await browseRefills({
        db,
        actor: actorOf(req),
        status: req.query.status,
        beforeId: req.query.before,
        limit: req.query.limit,
      });
      if (!r.ok) return failWith(r.failure);
      return { refills: r.value.refills.map(refillRow), nextBefore: r.value.nextBeforeId };
    },
  );

  app.post(
    '/refills/:id/status',
    {
      schema: {
        tags: ['refills'],
        params: RefillIdParams,
        body: AdminSetRefillStatus,
        response: { 200: AdminRefillChange, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const r = await setRefillStatus({
        db,
        actor: actorOf(req),
        refillId: req.params.id,
        status: req.body.status,
      });
      if (!r.ok) return failWith(r.failure);
      return { refill: r.value.refillId, from: r.value.from, status: req.body.status };
    },
  );

  app.get(
    '/cancels',
    {
      schema: {
        tags: ['orders'],
        response: { 200: AdminCancelList, ...errors(401, 403) },
      },
    },
    async (req) => {
      const r = await listCancelRequestsForStaff({ db, actor: actorOf(req), limit: 500 });
      if (!r.ok) return failWith(r.failure);
      return { cancels: r.value.map((c) => ({ ...c, status: status(c.status) })) };
    },
  );
};
