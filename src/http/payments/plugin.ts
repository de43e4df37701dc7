/**
 * The gateways' face: POST /api/payments/callback/:methodId, where a payment gateway reports an
 * invoice's status. The body is kept as it came (the method's module checks the signature on it) and
 * handed to one use case (payments/receive-callback.ts). Every callback gets the same answer
 * (200 {"ok":true}) whatever it was: forged, for no known payment, for an ended one, or applied; so
 * nobody learns from it which payments exist. Only a fault (the database down) answers 500, so that
 * the gateway sends the callback again. Limited per address (a gateway sends a few per payment) and
 * to small bodies.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Executor } from '../../db/executor.js';
import { parseId } from '../../ids.js';
import { receiveCallback } from '../../payments/receive-callback.js';
import type { SecretBox } from '../../payments/secret-box.js';
import { networkOf } from '../api-v2/rate-limit.js';
import { setLogFields } from '../log-fields.js';

export interface PaymentsFaceOptions {
  db: Executor;
  secretBox: SecretBox;
  /** Callbacks allowed per address and minute. */
  perMinute?: number;
}

const BODY_LIMIT = 64 * 1024;

export async function paymentsPlugin(app: FastifyInstance, opts: PaymentsFaceOptions): Promise<void> {
  // Every content type is read as text: signatures are over the bytes that came.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    done(null, body);
  });
  await app.register(rateLimit, {
    global: true,
    max: opts.perMinute ?? 120,
    timeWindow: 60_000,
    keyGenerator: (req) => networkOf(req.ip),
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: `Too many requests, retry in ${Math.ceil(ctx.ttl / 1000)} seconds`,
    }),
  });
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'payment callback failed');
    reply.code(status).send({ error: status >= 500 ? 'Internal error' : (err as Error).message });
  });

  app.post<{ Params: { methodId: string } }>('/callback/:methodId', async (req, reply) => {
    const methodId = parseId(req.params.methodId);
    const rawBody = typeof req.body === 'string' ? req.body : '';
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers))
      headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    if (methodId !== null) {
      const r = await receiveCallback({
        db: opts.db,
        box: opts.secretBox,
        methodId,
        request: { rawBody, headers },
        remote: req.ip,
      });
      setLogFields(req, { action: `callback:${r.result}` });
      if (r.result !== 'credited' && r.result !== 'ended' && r.result !== 'waiting')
        req.log.warn(
          { methodId, result: r.result, paymentId: r.paymentId },
          'payment callback changed nothing',
        );
    }
    return reply.code(200).send({ ok: true });
  });
}
