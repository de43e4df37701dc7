/**
 * Orders: quote (the live price), place (one per idempotency key), list and search the caller's own,
 * show one (runs, subscription state, refills), list the caller's refills, refill and cancel. Every rule is the use cases' (the same as API v2's); failures map through errors.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requestCancel } from '../../cancels/request-cancel.js';
import { formatAmount } from '../../money.js';
import { listCustomerOrders } from '../../orders/list-customer-orders.js';
import type { Params } from '../../orders/order-input.js';
import { placeMassOrder } from '../../orders/place-mass-order.js';
import { placeOrder } from '../../orders/place-order.js';
import { quoteOrder } from '../../orders/quote-order.js';
import { showCustomerOrder } from '../../orders/show-customer-order.js';
import { createRefill } from '../../refills/create-refill.js';
import { listCustomerRefills } from '../../refills/list-customer-refills.js';
import { failureMessage } from '../../result.js';
import { getCurrency } from '../../settings/settings.js';
import { errors, Ok } from './common.schemas.js';
import { failureParams, failWith } from './errors.js';
import {
  MassOrder,
  MassResult,
  OrderDetail,
  OrderFields,
  OrderIdParams,
  OrderList,
  OrderListQuery,
  PlacedOrder,
  PlaceOrder,
  Quote,
  RefillCreated,
  RefillList,
  RefillListQuery,
} from './orders.schemas.js';
import type { WebRouteOptions } from './route-options.js';
import { callerOf } from './session.js';

/** The form's fields as the order use cases read parameters (never malformed: zod typed them). */
function paramsOf(fields: Record<string, unknown>): Params {
  return {
    get: (name) => {
      const v = Object.hasOwn(fields, name) ? fields[name] : undefined;
      return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
    },
    isMalformed: () => false,
  };
}

export const ordersRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, { db }) => {
  app.post(
    '/orders/quote',
    {
      schema: {
        tags: ['orders'],
        body: OrderFields,
        response: { 200: Quote, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req, _reply) => {
      const r = await quoteOrder({
        db,
        userId: callerOf(req).user.id,
        serviceId: String(req.body.service),
        params: paramsOf(req.body),
      });
      if (!r.ok) return failWith(r.failure);
      return { ...r.value, currency: await getCurrency(db) };
    },
  );

  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        body: PlaceOrder,
        response: { 201: PlacedOrder, ...errors(400, 401, 402, 403, 404, 422) },
      },
    },
    async (req, reply) => {
      const r = await placeOrder({
        db,
        userId: callerOf(req).user.id,
        serviceId: String(req.body.service),
        params: paramsOf(req.body),
        idemKey: req.body.idempotencyKey,
      });
      if (!r.ok) return failWith(r.failure);
      return reply.code(201).send({
        order: r.value.orderId,
        charge: formatAmount(r.value.chargeUnits),
        repeated: r.value.repeated === true,
      });
    },
  );

  // One answer per line, 200 whatever each line's fate: the page shows which were placed.
  app.post(
    '/orders/mass',
    {
      schema: {
        tags: ['orders'],
        body: MassOrder,
        response: { 200: MassResult, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => {
      const r = await placeMassOrder({
        db,
        userId: callerOf(req).user.id,
        text: req.body.text,
        idemKey: req.body.idempotencyKey,
      });
      if (!r.ok) return failWith(r.failure);
      const lines = r.value.map((l) =>
        l.ok
          ? {
              line: l.line,
              ok: true,
              order: l.orderId,
              charge: formatAmount(l.chargeUnits),
              repeated: l.repeated,
            }
          : {
              line: l.line,
              ok: false,
              error: failureMessage(l.failure),
              code: l.failure.code,
              params: failureParams(l.failure),
            },
      );
      const placed = lines.filter((l) => l.ok).length;
      return { lines, placed, refused: lines.length - placed };
    },
  );

  app.get(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        querystring: OrderListQuery,
        response: { 200: OrderList, ...errors(400, 401) },
      },
    },
    async (req) => {
      const r = await listCustomerOrders({
        db,
        userId: callerOf(req).user.id,
        q: req.query.q,
        status: req.query.status,
        beforeId: req.query.before,
        limit: req.query.limit,
      });
      return { orders: r.orders, nextBefore: r.nextBeforeId, currency: await getCurrency(db) };
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        tags: ['orders'],
        params: OrderIdParams,
        response: { 200: OrderDetail, ...errors(400, 401, 404) },
      },
    },
    async (req) => {
      const r = await showCustomerOrder({ db, userId: callerOf(req).user.id, orderId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return { ...r.value, currency: await getCurrency(db) };
    },
  );

  app.get(
    '/refills',
    {
      schema: {
        tags: ['orders'],
        querystring: RefillListQuery,
        response: { 200: RefillList, ...errors(400, 401) },
      },
    },
    async (req) => {
      const r = await listCustomerRefills({
        db,
        userId: callerOf(req).user.id,
        beforeId: req.query.before,
        limit: req.query.limit,
      });
      return { refills: r.refills, nextBefore: r.nextBeforeId };
    },
  );

  app.post(
    '/orders/:id/refill',
    {
      schema: {
        tags: ['orders'],
        params: OrderIdParams,
        response: { 201: RefillCreated, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const r = await createRefill({ db, userId: callerOf(req).user.id, orderId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return reply.code(201).send({ refill: r.value.refillId });
    },
  );

  app.post(
    '/orders/:id/cancel',
    {
      schema: {
        tags: ['orders'],
        params: OrderIdParams,
        response: { 200: Ok, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, _reply) => {
      const r = await requestCancel({ db, userId: callerOf(req).user.id, orderId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return { ok: true as const };
    },
  );
};
