/**
 * A payment method is one module behind this interface: create a payment at its gateway, verify a
 * callback, query a status. The manual method (bank transfer, a wallet, anything an admin checks by
 * hand) implements it too, with nothing to create and nothing to ask. Adding a gateway is one file in
 * this folder plus its line in registry.ts, and its tests (docs/payments.md).
 *
 * Modules are pure translators: they speak the gateway's HTTP, check its signatures and map its words
 * onto these types. They never touch the database, the ledger or a payment's state: the use cases in
 * payments/ decide what an update means for the money (apply-gateway-update.ts).
 */

/** One setting of a method as the admin form shows it; `secret` ones are sealed and never shown again. */
export interface MethodField {
  name: string;
  label: string;
  secret: boolean;
  required: boolean;
  /** Shown as a hint in the form (e.g. the default). */
  hint?: string;
}

export interface MethodSettings {
  /** The method's settings that are not secret (stored as JSON). */
  config: Record<string, string>;
  /** The method's secrets (stored sealed, never shown again). */
  secrets: Record<string, string>;
}

export interface CreateInput extends MethodSettings {
  /** Our payment id; gateways that take an order id of ours get `String(paymentId)`. */
  paymentId: number;
  /** The amount asked, in units of 10^-7 of `currency` (money.ts). */
  amountUnits: bigint;
  /** The panel's currency (ISO 4217 code) the invoice is made out in. */
  currency: string;
  /** Where the gateway posts its callbacks for this method. */
  callbackUrl: string;
  /** Where the customer comes back to after paying (or giving up). */
  returnUrl: string;
  timeoutMs: number;
}

export type CreateOutcome =
  /** Nothing to create outside (manual): the payment waits for an admin. */
  | { kind: 'filed' }
  /** The gateway made an invoice; the customer is sent to payUrl. `raw` is its answer, as text. */
  | { kind: 'invoice'; gatewayRef: string; payUrl: string; expiresAt: number | null; raw: string }
  /** The gateway answered and said no (its message is for the admin's log, not the customer). */
  | { kind: 'refused'; message: string; raw: string }
  /** No usable answer (connection failed, timeout, garbage): no invoice is known to exist. */
  | { kind: 'unreachable'; message: string };

/**
 * What a gateway says about one invoice, in our words.
 * - `waiting`: nothing final yet (not paid, being confirmed, partly paid with time left to pay the rest);
 * - `paid`: final, paid in full or more; `underpaid`: final, paid less than asked;
 * - `expired`: final, nothing paid in time; `failed`: final, the gateway failed or refused it;
 * - `refunded`: the gateway sent the money back to the payer.
 */
export type GatewayOutcome = 'waiting' | 'paid' | 'underpaid' | 'expired' | 'failed' | 'refunded';

export interface GatewayUpdate {
  /** The invoice's id at the gateway. */
  gatewayRef: string;
  /** Our payment id as the gateway echoes it back, when it does and it is a valid id; else null. */
  paymentId: number | null;
  /** The gateway's own status word, kept for the admin. */
  status: string;
  outcome: GatewayOutcome;
  /** The invoice's amount and currency as the gateway states them (compared with ours). */
  amountUnits: bigint | null;
  currency: string | null;
  /**
   * What the gateway received, in the invoice's currency, by the module's documented conversion rule
   * (never more exact than the gateway's own figures allow; rounded down). Null when it cannot be told.
   */
  receivedUnits: bigint | null;
}

export interface CallbackRequest {
  /** The request body exactly as it arrived (signatures are checked on it). */
  rawBody: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
}

export type CallbackOutcome =
  | { kind: 'update'; update: GatewayUpdate }
  /** The signature is missing or wrong: nothing in the body may be believed. */
  | { kind: 'bad_signature' }
  /** Not a callback this method understands (not JSON, fields missing, a kind of event it ignores). */
  | { kind: 'malformed'; reason: string };

export type QueryOutcome =
  | { kind: 'update'; update: GatewayUpdate; raw: string }
  /** The gateway knows no such invoice. */
  | { kind: 'unknown'; raw: string }
  | { kind: 'unreachable'; message: string };

export interface PaymentMethodModule {
  /** Stored in payment_methods.kind. */
  kind: string;
  /** What the admin sees when choosing a kind. */
  label: string;
  /** True when the gateway confirms payments itself (callbacks, status queries); false: an admin does. */
  automatic: boolean;
  fields: readonly MethodField[];
  /**
   * Check the admin's settings (every field by name, '' for one left empty). `previous` holds the
   * stored settings when a method is edited: an empty secret then keeps the stored one.
   */
  parseSettings(
    input: Record<string, string>,
    previous: MethodSettings | null,
  ): { ok: true; settings: MethodSettings } | { ok: false; field: string; message: string };
  create(input: CreateInput): Promise<CreateOutcome>;
  verifyCallback(req: CallbackRequest, settings: MethodSettings): CallbackOutcome;
  queryStatus(
    ref: { gatewayRef: string; paymentId: number },
    settings: MethodSettings & { timeoutMs: number },
  ): Promise<QueryOutcome>;
}
