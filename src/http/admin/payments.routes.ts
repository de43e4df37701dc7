/**
 * The admin area's Payments: the list with filters (the manual queue is state=pending & a manual
 * method), a payment with the gateway's raw messages and its ledger entries, approve / reject (admin
 * only: support never moves money), reverse, totals per method and period; and the payment methods
 * (admin only), whose secrets are accepted but never answered.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Executor } from '../../db/executor.js';
import { approvePayment, rejectPayment } from '../../payments/decide-payment.js';
import { browsePayments, paymentTotalsFor, showPayment } from '../../payments/list-payments.js';
import {
  createPaymentMethod,
  listPaymentMethodsForStaff,
  updatePaymentMethod,
} from '../../payments/manage-payment-methods.js';
import { reversePayment } from '../../payments/reverse-payment.js';
import type { SecretBox } from '../../payments/secret-box.js';
import { dayStart } from '../../reports/export-period.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import {
  ApprovePayment,
  CreateMethod,
  PaymentDetail,
  PaymentIdParams,
  PaymentsQuery,
  PaymentTotals,
  RejectPayment,
  ReversePayment,
  StaffMethod,
  StaffMethodList,
  StaffPayment,
  StaffPaymentList,
  TotalsQuery,
  UpdateMethod,
} from './payments.schemas.js';

const DAY_MS = 86_400_000;
/** A day of the query as its midnight UTC; none given: undefined; not a real day: null. */
const dayOf = (text: string | undefined) => (text === undefined ? undefined : dayStart(text));

const badPeriod = () => failWith({ code: 'invalid_period' });

export const paymentsRoutes: FastifyPluginAsyncZod<{ db: Executor; secretBox: SecretBox }> = async (
  app,
  { db, secretBox },
) => {
  app.get(
    '/payments',
    {
      schema: {
        tags: ['payments'],
        querystring: PaymentsQuery,
        response: { 200: StaffPaymentList, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => {
      const q = req.query;
      const from = dayOf(q.from);
      const to = dayOf(q.to);
      if (from === null || to === null) return badPeriod();
      const r = await browsePayments({
        db,
        actor: actorOf(req),
        filter: {
          state: q.state,
          methodId: q.method,
          kind: q.kind,
          username: q.user,
          from,
          to: to === undefined ? undefined : to + DAY_MS,
          before: q.before,
        },
        limit: q.limit,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/payments/totals',
    {
      schema: {
        tags: ['payments'],
        querystring: TotalsQuery,
        response: { 200: PaymentTotals, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => {
      const from = dayStart(req.query.from);
      const to = dayStart(req.query.to);
      if (from == null || to == null || to < from) return badPeriod();
      const r = await paymentTotalsFor({ db, actor: actorOf(req), from, to: to + DAY_MS });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/payments/:id',
    {
      schema: {
        tags: ['payments'],
        params: PaymentIdParams,
        response: { 200: PaymentDetail, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await showPayment({ db, actor: actorOf(req), paymentId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/payments/:id/approve',
    {
      schema: {
        tags: ['payments'],
        params: PaymentIdParams,
        body: ApprovePayment,
        response: { 200: StaffPayment, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const r = await approvePayment({
        db,
        actor: actorOf(req),
        paymentId: req.params.id,
        received: req.body.received,
        note: req.body.note,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/payments/:id/reject',
    {
      schema: {
        tags: ['payments'],
        params: PaymentIdParams,
        body: RejectPayment,
        response: { 200: StaffPayment, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const r = await rejectPayment({
        db,
        actor: actorOf(req),
        paymentId: req.params.id,
        note: req.body.note,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/payments/:id/reverse',
    {
      schema: {
        tags: ['payments'],
        params: PaymentIdParams,
        body: ReversePayment,
        response: { 200: StaffPayment, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const r = await reversePayment({
        db,
        actor: actorOf(req),
        paymentId: req.params.id,
        note: req.body.note,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/payment-methods',
    { schema: { tags: ['payments'], response: { 200: StaffMethodList, ...errors(401, 403) } } },
    async (req) => {
      const r = await listPaymentMethodsForStaff({ db, box: secretBox, actor: actorOf(req) });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/payment-methods',
    {
      schema: {
        tags: ['payments'],
        body: CreateMethod,
        response: { 201: StaffMethod, ...errors(400, 401, 403, 422) },
      },
    },
    async (req, reply) => {
      const { kind, ...input } = req.body;
      const r = await createPaymentMethod({ db, box: secretBox, actor: actorOf(req), kind, input });
      if (!r.ok) return failWith(r.failure);
      return reply.code(201).send(r.value);
    },
  );

  app.put(
    '/payment-methods/:id',
    {
      schema: {
        tags: ['payments'],
        params: PaymentIdParams,
        body: UpdateMethod,
        response: { 200: StaffMethod, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const r = await updatePaymentMethod({
        db,
        box: secretBox,
        actor: actorOf(req),
        methodId: req.params.id,
        input: req.body,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );
};
