/**
 * The manual method: a bank transfer, a local wallet, anything the operator checks by hand. The
 * customer files the amount and the transfer's reference; an admin approves it with the amount that
 * arrived, or rejects it (decide-manual-payment.ts). Nothing to create outside, no callbacks, nothing
 * to ask: the same interface as a gateway, with no gateway.
 */
import type { PaymentMethodModule } from './method.js';

export const manual: PaymentMethodModule = {
  kind: 'manual',
  label: 'Manual (bank transfer, wallet, ...)',
  automatic: false,
  fields: [],
  parseSettings() {
    return { ok: true, settings: { config: {}, secrets: {} } };
  },
  async create() {
    return { kind: 'filed' };
  },
  verifyCallback() {
    return { kind: 'malformed', reason: 'a manual method takes no callbacks' };
  },
  async queryStatus() {
    return { kind: 'unreachable', message: 'a manual method has no gateway to ask' };
  },
};
