/**
 * Use case: a gateway's callback arrives for method `methodId`. Its signature is checked by the
 * method's module on the raw body; then the payment it names is looked up by the gateway's invoice id
 * and the update applied (apply-gateway-update.ts). Every callback is kept as an event, forged ones and
 * ones for no known payment included. The answer tells the face what to log, never what to say: the
 * face answers every callback alike, so a caller learns nothing about which payments exist.
 */
import type { Executor } from '../db/executor.js';
import { applyGatewayUpdate, type UpdateOutcome } from './apply-gateway-update.js';
import { openMethod } from './method-settings.js';
import type { CallbackRequest } from './methods/method.js';
import { findMethod, findPaymentByGatewayRef, insertEvent } from './payments.repo.js';
import type { SecretBox } from './secret-box.js';

export type CallbackResult =
  | UpdateOutcome
  | 'unknown_method'
  | 'not_automatic'
  | 'secrets_unreadable'
  | 'bad_signature'
  | 'malformed'
  | 'unknown_payment';

export async function receiveCallback(opts: {
  db: Executor;
  box: SecretBox;
  methodId: number;
  request: CallbackRequest;
  remote: string | null;
  now?: number;
}): Promise<{ result: CallbackResult; paymentId: number | null }> {
  const { db } = opts;
  const now = opts.now ?? Date.now();
  const method = await findMethod(db, opts.methodId);
  if (!method) return { result: 'unknown_method', paymentId: null };
  const keep = (outcome: CallbackResult, status: string | null = null) =>
    insertEvent(db, {
      paymentId: null,
      methodId: method.id,
      source: 'callback',
      outcome,
      gatewayStatus: status,
      body: opts.request.rawBody,
      remote: opts.remote,
      now,
    });
  const opened = openMethod(method, opts.box);
  if (!opened.ok) {
    await keep('secrets_unreadable');
    return { result: 'secrets_unreadable', paymentId: null };
  }
  if (!opened.module.automatic) {
    await keep('not_automatic');
    return { result: 'not_automatic', paymentId: null };
  }
  const verdict = opened.module.verifyCallback(opts.request, opened.settings);
  if (verdict.kind !== 'update') {
    await keep(verdict.kind);
    return { result: verdict.kind, paymentId: null };
  }
  const payment = await findPaymentByGatewayRef(db, method.id, verdict.update.gatewayRef);
  if (!payment) {
    await keep('unknown_payment', verdict.update.status);
    return { result: 'unknown_payment', paymentId: null };
  }
  const result = await applyGatewayUpdate({
    db,
    payment,
    update: verdict.update,
    source: 'callback',
    raw: opts.request.rawBody,
    remote: opts.remote,
    now,
  });
  return { result, paymentId: payment.id };
}
