/**
 * The admin CSV exports (reports.read: admin): orders placed, ledger entries written and payments
 * started in a period
 * of UTC days, as a download. The CSV streams from the use case's pages; a bad period is 400 with a
 * code before anything is sent.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Executor } from '../../db/executor.js';
import { exportLedger } from '../../reports/export-ledger.js';
import { exportOrders } from '../../reports/export-orders.js';
import { exportPayments } from '../../reports/export-payments.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import { ExportQuery } from './exports.schemas.js';

export const exportsRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  for (const [path, run] of [
    ['/exports/orders.csv', exportOrders],
    ['/exports/ledger.csv', exportLedger],
    ['/exports/payments.csv', exportPayments],
  ] as const) {
    app.get(
      path,
      {
        schema: {
          tags: ['exports'],
          description: 'text/csv (RFC 4180, UTF-8, header row), as an attachment',
          querystring: ExportQuery,
          response: errors(400, 401, 403),
        },
      },
      async (req, reply) => {
        const r = await run({ db, actor: actorOf(req), from: req.query.from, to: req.query.to });
        if (!r.ok) return failWith(r.failure);
        return (
          reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${r.value.filename}"`)
            .header('cache-control', 'no-store')
            // A stream is sent as it is (Fastify serialises no stream); the typed `send` only knows
            // the JSON error bodies declared above.
            .send(Readable.from(r.value.lines) as never)
        );
      },
    );
  }
};
