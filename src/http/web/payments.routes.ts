/**
 * Add funds: the methods a customer can pay with, starting a payment (a manual one filed for an admin,
 * a gateway one answered with the invoice's payUrl), the customer's payments and one of them (the page
 * the gateway sends the customer back to). Another customer's payment is 404 unknown_payment.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listAddFundsMethods, listMyPayments, showMyPayment } from '../../payments/list-payments.js';
import { startPayment } from '../../payments/start-payment.js';
import { errors } from './common.schemas.js';
import { failWith } from './errors.js';
import {
  Payment,
  PaymentIdParams,
  PaymentList,
  PaymentListQuery,
  PaymentMethodList,
  StartPayment,
} from './payments.schemas.js';
import type { WebRouteOptions } from './route-options.js';
import { callerOf } from './session.js';

export const paymentsRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, { db, secretBox }) => {
  app.get(
    '/payment-methods',
    { schema: { tags: ['payments'], response: { 200: PaymentMethodList, ...errors(401) } } },
    async () => listAddFundsMethods({ db, box: secretBox }),
  );

  app.post(
    '/payments',
    {
      schema: {
        tags: ['payments'],
        body: StartPayment,
        response: { 201: Payment, ...errors(400, 401, 403, 404, 409, 422, 502) },
      },
    },
    async (req, reply) => {
      const r = await startPayment({
        db,
        box: secretBox,
        userId: callerOf(req).user.id,
        methodId: req.body.methodId,
        amount: req.body.amount,
        reference: req.body.reference,
        origin: `${req.protocol}://${req.host}`,
      });
      if (!r.ok) return failWith(r.failure);
      return reply.code(201).send(r.value);
    },
  );

  app.get(
    '/payments',
    {
      schema: {
        tags: ['payments'],
        querystring: PaymentListQuery,
        response: { 200: PaymentList, ...errors(400, 401) },
      },
    },
    async (req) =>
      listMyPayments({ db, userId: callerOf(req).user.id, before: req.query.before, limit: req.query.limit }),
  );

  app.get(
    '/payments/:id',
    {
      schema: {
        tags: ['payments'],
        params: PaymentIdParams,
        response: { 200: Payment, ...errors(400, 401, 404) },
      },
    },
    async (req) => {
      const r = await showMyPayment({ db, userId: callerOf(req).user.id, paymentId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );
};
