/**
 * The payments' SQL: methods, payments and their gateway events. State changes are compare-and-set
 * statements checked against payment.state.ts; nothing here opens a transaction.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import { toUnits } from '../money.js';
import { assertPaymentTransition, type PaymentState } from './payment.state.js';

// ---- methods ----

export interface MethodRow {
  id: number;
  name: string;
  kind: string;
  instructions: string;
  minUnits: bigint;
  maxUnits: bigint;
  adjustBp: number;
  enabled: boolean;
  position: number;
  config: Record<string, string>;
  sealedSecrets: string | null;
  createdAt: number;
  updatedAt: number;
}

function parseConfig(text: string): Record<string, string> {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return {};
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
    return out;
  } catch {
    return {};
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a payment_methods row as the driver returns it
function toMethod(r: any): MethodRow {
  return {
    id: Number(r.id),
    name: r.name,
    kind: r.kind,
    instructions: r.instructions,
    minUnits: toUnits(r.min_units),
    maxUnits: toUnits(r.max_units),
    adjustBp: Number(r.adjust_bp),
    enabled: Number(r.enabled) === 1,
    position: Number(r.position),
    config: parseConfig(r.config),
    sealedSecrets: r.sealed_secrets ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export async function findMethod(db: Executor, id: number): Promise<MethodRow | null> {
  const r = await db.selectFrom('payment_methods').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toMethod(r) : null;
}

/** Every method in the customer's order (position, then id); only enabled ones when asked. */
export async function listMethods(db: Executor, opts: { enabledOnly: boolean }): Promise<MethodRow[]> {
  const rows = await db
    .selectFrom('payment_methods')
    .selectAll()
    .$if(opts.enabledOnly, (q) => q.where('enabled', '=', 1))
    .orderBy('position')
    .orderBy('id')
    .execute();
  return rows.map(toMethod);
}

export interface MethodValues {
  name: string;
  kind: string;
  instructions: string;
  minUnits: bigint;
  maxUnits: bigint;
  adjustBp: number;
  enabled: boolean;
  config: Record<string, string>;
  sealedSecrets: string | null;
}

export async function insertMethod(tx: Executor, v: MethodValues, now: number): Promise<number> {
  const last = await tx
    .selectFrom('payment_methods')
    .select((eb) => eb.fn.max('position').as('p'))
    .executeTakeFirst();
  const row = await tx
    .insertInto('payment_methods')
    .values({
      name: v.name,
      kind: v.kind,
      instructions: v.instructions,
      min_units: v.minUnits,
      max_units: v.maxUnits,
      adjust_bp: v.adjustBp,
      enabled: v.enabled ? 1 : 0,
      position: Number(last?.p ?? 0) + 1,
      config: JSON.stringify(v.config),
      sealed_secrets: v.sealedSecrets,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateMethod(tx: Executor, id: number, v: Omit<MethodValues, 'kind'>, now: number) {
  await tx
    .updateTable('payment_methods')
    .set({
      name: v.name,
      instructions: v.instructions,
      min_units: v.minUnits,
      max_units: v.maxUnits,
      adjust_bp: v.adjustBp,
      enabled: v.enabled ? 1 : 0,
      config: JSON.stringify(v.config),
      sealed_secrets: v.sealedSecrets,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

// ---- payments ----

export interface PaymentRow {
  id: number;
  userId: number;
  username: string;
  methodId: number;
  methodName: string;
  methodKind: string;
  state: PaymentState;
  currency: string;
  amountUnits: bigint;
  adjustBp: number;
  receivedUnits: bigint | null;
  creditedUnits: bigint;
  reversedUnits: bigint;
  shortfallUnits: bigint;
  reference: string | null;
  gatewayRef: string | null;
  gatewayStatus: string | null;
  payUrl: string | null;
  expiresAt: number | null;
  nextCheckAt: number | null;
  checks: number;
  decidedBy: number | null;
  note: string | null;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

// biome-ignore lint/suspicious/noExplicitAny: a joined payments row as the driver returns it
function toPayment(r: any): PaymentRow {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    username: r.username,
    methodId: Number(r.method_id),
    methodName: r.method_name,
    methodKind: r.method_kind,
    state: r.state,
    currency: r.currency,
    amountUnits: toUnits(r.amount_units),
    adjustBp: Number(r.adjust_bp),
    receivedUnits: r.received_units === null ? null : toUnits(r.received_units),
    creditedUnits: toUnits(r.credited_units),
    reversedUnits: toUnits(r.reversed_units),
    shortfallUnits: toUnits(r.shortfall_units),
    reference: r.reference,
    gatewayRef: r.gateway_ref,
    gatewayStatus: r.gateway_status,
    payUrl: r.pay_url,
    expiresAt: num(r.expires_at),
    nextCheckAt: num(r.next_check_at),
    checks: Number(r.checks),
    decidedBy: num(r.decided_by),
    note: r.note,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    endedAt: num(r.ended_at),
  };
}

function paymentsQuery(db: Executor) {
  return db
    .selectFrom('payments as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .innerJoin('payment_methods as m', 'm.id', 'p.method_id')
    .selectAll('p')
    .select(['u.username as username', 'm.name as method_name', 'm.kind as method_kind']);
}

export async function findPayment(db: Executor, id: number): Promise<PaymentRow | null> {
  const r = await paymentsQuery(db).where('p.id', '=', id).executeTakeFirst();
  return r ? toPayment(r) : null;
}

export async function findPaymentByGatewayRef(
  db: Executor,
  methodId: number,
  gatewayRef: string,
): Promise<PaymentRow | null> {
  const r = await paymentsQuery(db)
    .where('p.method_id', '=', methodId)
    .where('p.gateway_ref', '=', gatewayRef)
    .executeTakeFirst();
  return r ? toPayment(r) : null;
}

export async function insertPayment(
  tx: Executor,
  v: {
    userId: number;
    methodId: number;
    currency: string;
    amountUnits: bigint;
    adjustBp: number;
    reference: string | null;
    /** Gateway payments: when to look at it first (even if the invoice is never recorded). */
    nextCheckAt: number | null;
    now: number;
  },
): Promise<number> {
  const row = await tx
    .insertInto('payments')
    .values({
      user_id: v.userId,
      method_id: v.methodId,
      state: 'pending',
      currency: v.currency,
      amount_units: v.amountUnits,
      adjust_bp: v.adjustBp,
      reference: v.reference,
      next_check_at: v.nextCheckAt,
      created_at: v.now,
      updated_at: v.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Record the gateway's invoice on a pending payment, and when to first ask about it. */
export async function setInvoice(
  db: Executor,
  id: number,
  v: { gatewayRef: string; payUrl: string; expiresAt: number | null; nextCheckAt: number; now: number },
) {
  await db
    .updateTable('payments')
    .set({
      gateway_ref: v.gatewayRef,
      pay_url: v.payUrl,
      expires_at: v.expiresAt,
      next_check_at: v.nextCheckAt,
      updated_at: v.now,
    })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/**
 * End a pending payment (compare-and-set on `pending`). True when this call moved it: only then may
 * the caller credit it, in the same transaction.
 */
export async function endPaymentInTx(
  tx: Executor,
  id: number,
  to: PaymentState,
  v: {
    receivedUnits: bigint | null;
    creditedUnits: bigint;
    gatewayStatus?: string | null;
    decidedBy?: number | null;
    note?: string | null;
    now: number;
  },
): Promise<boolean> {
  assertPaymentTransition('pending', to);
  const r = await tx
    .updateTable('payments')
    .set({
      state: to,
      received_units: v.receivedUnits,
      credited_units: v.creditedUnits,
      ...(v.gatewayStatus !== undefined ? { gateway_status: v.gatewayStatus } : {}),
      decided_by: v.decidedBy ?? null,
      note: v.note ?? null,
      next_check_at: null,
      updated_at: v.now,
      ended_at: v.now,
    })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Reverse a credited payment (compare-and-set on its state). */
export async function reversePaymentInTx(
  tx: Executor,
  id: number,
  from: PaymentState,
  v: { reversedUnits: bigint; shortfallUnits: bigint; decidedBy: number; note: string | null; now: number },
): Promise<boolean> {
  assertPaymentTransition(from, 'reversed');
  const r = await tx
    .updateTable('payments')
    .set({
      state: 'reversed',
      reversed_units: v.reversedUnits,
      shortfall_units: v.shortfallUnits,
      decided_by: v.decidedBy,
      note: v.note,
      updated_at: v.now,
    })
    .where('id', '=', id)
    .where('state', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** What the gateway last said about a payment still pending (no change of state). */
export async function noteGatewayStatus(db: Executor, id: number, status: string, now: number) {
  await db
    .updateTable('payments')
    .set({ gateway_status: status, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/**
 * Lease up to `limit` pending gateway payments whose next check is due, most overdue first: each is
 * moved to `leaseUntil` with a compare-and-set on its old time, so two workers never ask about the
 * same payment in the same round.
 */
export async function leaseDuePayments(
  db: Executor,
  opts: { now: number; limit: number; leaseUntil: number },
): Promise<PaymentRow[]> {
  const due = await db
    .selectFrom('payments')
    .select(['id', 'next_check_at'])
    .where('next_check_at', '<=', opts.now)
    .where('state', '=', 'pending')
    .orderBy('next_check_at')
    .limit(opts.limit)
    .execute();
  const won: PaymentRow[] = [];
  for (const d of due) {
    const r = await db
      .updateTable('payments')
      .set({ next_check_at: opts.leaseUntil, checks: sql`checks + 1` })
      .where('id', '=', d.id)
      .where('next_check_at', '=', d.next_check_at)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) {
      const p = await findPayment(db, Number(d.id));
      if (p) won.push(p);
    }
  }
  return won;
}

export async function scheduleCheck(db: Executor, id: number, at: number) {
  await db
    .updateTable('payments')
    .set({ next_check_at: at })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

export interface PaymentFilter {
  userId?: number | undefined;
  methodId?: number | undefined;
  /** Payments of manual methods, or of the gateways. */
  kind?: 'manual' | 'gateway' | undefined;
  state?: PaymentState | undefined;
  /** created_at >= from, < to (epoch ms). */
  from?: number | undefined;
  to?: number | undefined;
  /** Keyset: ids below this one. */
  before?: number | undefined;
  limit: number;
}

/** Payments newest first, filtered, one page (keyset by id). */
export async function listPayments(db: Executor, f: PaymentFilter): Promise<PaymentRow[]> {
  const rows = await paymentsQuery(db)
    .$if(f.userId !== undefined, (q) => q.where('p.user_id', '=', f.userId as number))
    .$if(f.methodId !== undefined, (q) => q.where('p.method_id', '=', f.methodId as number))
    .$if(f.state !== undefined, (q) => q.where('p.state', '=', f.state as PaymentState))
    .$if(f.kind === 'manual', (q) => q.where('m.kind', '=', 'manual'))
    .$if(f.kind === 'gateway', (q) => q.where('m.kind', '<>', 'manual'))
    .$if(f.from !== undefined, (q) => q.where('p.created_at', '>=', f.from as number))
    .$if(f.to !== undefined, (q) => q.where('p.created_at', '<', f.to as number))
    .$if(f.before !== undefined, (q) => q.where('p.id', '<', f.before as number))
    .orderBy('p.id', 'desc')
    .limit(f.limit)
    .execute();
  return rows.map(toPayment);
}

export interface MethodTotals {
  methodId: number;
  methodName: string;
  state: string;
  count: number;
  amountUnits: bigint;
  receivedUnits: bigint;
  creditedUnits: bigint;
  reversedUnits: bigint;
  shortfallUnits: bigint;
}

/** Per method and state: counts and sums of the payments made in [from, to). */
export async function paymentTotals(db: Executor, from: number, to: number): Promise<MethodTotals[]> {
  const rows = await db
    .selectFrom('payments as p')
    .innerJoin('payment_methods as m', 'm.id', 'p.method_id')
    .where('p.created_at', '>=', from)
    .where('p.created_at', '<', to)
    .groupBy(['p.method_id', 'm.name', 'p.state'])
    .select((eb) => [
      'p.method_id as method_id',
      'm.name as method_name',
      'p.state as state',
      eb.fn.countAll<string>().as('n'),
      eb.fn.sum<string>('p.amount_units').as('amount'),
      eb.fn.coalesce(eb.fn.sum<string>('p.received_units'), eb.val(0)).as('received'),
      eb.fn.sum<string>('p.credited_units').as('credited'),
      eb.fn.sum<string>('p.reversed_units').as('reversed'),
      eb.fn.sum<string>('p.shortfall_units').as('shortfall'),
    ])
    .orderBy('p.method_id')
    .orderBy('p.state')
    .execute();
  return rows.map((r) => ({
    methodId: Number(r.method_id),
    methodName: r.method_name,
    state: r.state,
    count: Number(r.n),
    amountUnits: toUnits(r.amount),
    receivedUnits: toUnits(r.received),
    creditedUnits: toUnits(r.credited),
    reversedUnits: toUnits(r.reversed),
    shortfallUnits: toUnits(r.shortfall),
  }));
}

/** Pending payments: those an admin must decide (manual) and those a gateway has not ended. */
export async function countWaiting(db: Executor): Promise<{ manual: number; gateway: number }> {
  const rows = await db
    .selectFrom('payments as p')
    .innerJoin('payment_methods as m', 'm.id', 'p.method_id')
    .where('p.state', '=', 'pending')
    .groupBy('m.kind')
    .select((eb) => ['m.kind as kind', eb.fn.countAll<string>().as('n')])
    .execute();
  let manual = 0;
  let gateway = 0;
  for (const r of rows) {
    if (r.kind === 'manual') manual += Number(r.n);
    else gateway += Number(r.n);
  }
  return { manual, gateway };
}

export async function countPendingForMethod(db: Executor, methodId: number): Promise<number> {
  const r = await db
    .selectFrom('payments')
    .where('method_id', '=', methodId)
    .where('state', '=', 'pending')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

// ---- events ----

export interface PaymentEventRow {
  id: number;
  paymentId: number | null;
  methodId: number;
  source: string;
  outcome: string;
  gatewayStatus: string | null;
  body: string;
  remote: string | null;
  createdAt: number;
}

/** The longest body kept per event; a longer one is cut (it is evidence, not data the panel reads). */
export const MAX_EVENT_BODY = 16_384;

export async function insertEvent(
  db: Executor,
  v: Omit<PaymentEventRow, 'id' | 'createdAt'> & { now: number },
): Promise<void> {
  await db
    .insertInto('payment_events')
    .values({
      payment_id: v.paymentId,
      method_id: v.methodId,
      source: v.source,
      outcome: v.outcome,
      gateway_status: v.gatewayStatus,
      body: v.body.length > MAX_EVENT_BODY ? v.body.slice(0, MAX_EVENT_BODY) : v.body,
      remote: v.remote,
      created_at: v.now,
    })
    .execute();
}

export async function listEvents(db: Executor, paymentId: number): Promise<PaymentEventRow[]> {
  const rows = await db
    .selectFrom('payment_events')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    paymentId: num(r.payment_id),
    methodId: Number(r.method_id),
    source: r.source,
    outcome: r.outcome,
    gatewayStatus: r.gateway_status,
    body: r.body,
    remote: r.remote,
    createdAt: Number(r.created_at),
  }));
}

/** The ledger entries of a payment (its credit and any reversal), oldest first. */
export async function paymentEntries(db: Executor, paymentId: number) {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['id', 'kind', 'amount_units', 'balance_after_units', 'created_at'])
    .where('payment_id', '=', paymentId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    amountUnits: toUnits(r.amount_units),
    balanceAfterUnits: toUnits(r.balance_after_units),
    createdAt: Number(r.created_at),
  }));
}

/** Every payment's credited and reversed amounts beside the sums of its entries (ledger check). */
export async function sumEntriesPerPayment(db: Executor) {
  const rows = await db
    .selectFrom('payments as p')
    .leftJoin('ledger_entries as l', 'l.payment_id', 'p.id')
    .groupBy(['p.id', 'p.user_id', 'p.credited_units', 'p.reversed_units'])
    .select((eb) => [
      'p.id as id',
      'p.user_id as user_id',
      'p.credited_units as credited',
      'p.reversed_units as reversed',
      eb.fn
        .coalesce(
          eb.fn.sum<string>(
            eb.case().when('l.kind', '=', 'payment_credit').then(eb.ref('l.amount_units')).else(0).end(),
          ),
          eb.val(0),
        )
        .as('credit_entries'),
      eb.fn
        .coalesce(
          eb.fn.sum<string>(
            eb.case().when('l.kind', '=', 'payment_reversal').then(eb.ref('l.amount_units')).else(0).end(),
          ),
          eb.val(0),
        )
        .as('reversal_entries'),
      eb.fn
        .coalesce(
          eb.fn.sum<string>(eb.case().when('l.user_id', '<>', eb.ref('p.user_id')).then(1).else(0).end()),
          eb.val(0),
        )
        .as('foreign_entries'),
    ])
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    creditedUnits: toUnits(r.credited),
    reversedUnits: toUnits(r.reversed),
    creditEntries: toUnits(r.credit_entries),
    reversalEntries: toUnits(r.reversal_entries),
    foreignEntries: Number(r.foreign_entries),
  }));
}
