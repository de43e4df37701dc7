/**
 * What upstream panels answer, one zod schema per API v2 answer. Nothing an upstream says is trusted:
 * the engine and the operator's queries read answers only through these schemas.
 *
 * Real panels differ from the reference in ways these schemas accept on purpose:
 * - answers wrapped with `"status": "success"` (`{"status":"success","order":123}`);
 * - ids and numbers as strings (`{"order":"123"}`, `"remains":"50"`);
 * - refusals shaped `{"status":"error","message":"..."}` or `{"status":"fail",...}` beside the
 *   reference's `{"error":"..."}` (see `refusal`);
 * - status names in any letter case, with `_`/`-`, and the British `Cancelled`;
 * - drip-feed status entries with `runs` and the upstream's child `orders` instead of `remains`
 *   (SmartPanel: `{"status":"Partial","runs":"2","orders":[]}`);
 * - services with `desc` instead of `description`, lists wrapped in `{"data": [...]}`.
 * JSON served as text/html, pretty-printed or after a BOM is the client's business (client.ts).
 */
import { z } from 'zod';

/** An integer given as a number or a numeric string, as panels variously send. */
export const intLike = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\s*\d{1,18}\s*$/)])
  .transform((v) => BigInt(String(v).trim()));
export const signedIntLike = z
  .union([z.number().int(), z.string().regex(/^\s*-?\d{1,18}\s*$/)])
  .transform((v) => BigInt(String(v).trim()));
export const idLike = z
  .union([z.number().int().positive(), z.string().regex(/^\s*[A-Za-z0-9_-]{1,64}\s*$/)])
  .transform((v) => String(v).trim());
export const decimalLike = z
  .union([z.number().nonnegative().finite(), z.string().regex(/^\s*\d{1,18}(\.\d{1,30})?\s*$/)])
  .transform((v) => String(v).trim());

const message = z.string().trim().min(1).max(2000);

/**
 * A refusal, normalised to `{ error }`: the reference's `{"error": "..."}`, and the
 * `{"status":"error"|"fail"|"failed", "message"|"error": "..."}` of SmartPanel-like panels.
 */
export const refusal = z.union([
  z.object({ error: message }).transform((v) => ({ error: v.error })),
  z
    .object({
      status: z
        .string()
        .transform((s) => s.trim().toLowerCase())
        .pipe(z.enum(['error', 'fail', 'failed'])),
      message: message.optional(),
      error: message.optional(),
    })
    .transform((v) => ({ error: v.message ?? v.error ?? `the provider answered status "${v.status}"` })),
]);
export type Refusal = z.infer<typeof refusal>;

/** `add`: the upstream order id, or a refusal. A refusal is checked first: it may also carry `order`. */
export const addAnswer = z.union([refusal, z.object({ order: idLike })]);
export type AddAnswer = z.infer<typeof addAnswer>;

export const UPSTREAM_STATUSES = [
  'Pending',
  'Processing',
  'In progress',
  'Completed',
  'Partial',
  'Canceled',
  'Refunded',
  // Subscriptions
  'Active',
  'Paused',
  'Expired',
] as const;
export type UpstreamStatusName = (typeof UPSTREAM_STATUSES)[number];

const STATUS_BY_KEY = new Map<string, UpstreamStatusName>([
  ...UPSTREAM_STATUSES.map((s) => [s.toLowerCase().replace(/[\s_-]+/g, ''), s] as const),
  ['cancelled', 'Canceled'],
  ['inprocess', 'In progress'],
]);

/** An upstream status name, in any letter case, spaced, snake_case or kebab-case. */
export const statusName = z
  .string()
  .transform(
    (s) =>
      STATUS_BY_KEY.get(
        s
          .trim()
          .toLowerCase()
          .replace(/[\s_-]+/g, ''),
      ) ?? s.trim(),
  )
  .pipe(z.enum(UPSTREAM_STATUSES));

/** One order's entry of `status` (single, or one value of the multi answer). */
export const orderStatusAnswer = z.object({
  status: statusName,
  remains: signedIntLike.optional(),
  start_count: signedIntLike.nullish().catch(null),
  charge: decimalLike.nullish().catch(null),
  posts: intLike.nullish().catch(null),
  /** Drip-feed forwarded as such: how many runs the upstream placed so far (SmartPanel). */
  runs: intLike.nullish().catch(null),
  /** Drip-feed: the upstream's child orders, one per run placed. */
  orders: z.array(idLike).nullish().catch(null),
});
export type UpstreamOrderStatus = z.infer<typeof orderStatusAnswer>;

/**
 * The multi `status` answer: an object keyed by upstream order id (each value is read later, one by
 * one, with `orderStatusAnswer`), or a refusal of the whole call.
 */
export const statusMultiAnswer = z.union([
  refusal,
  z
    .record(z.string(), z.unknown())
    .refine((v) => !Array.isArray(v), 'a list')
    .transform((entries) => ({ entries })),
]);
export type StatusMultiAnswer = z.infer<typeof statusMultiAnswer>;

/**
 * One entry of the `cancel` answer: the reference answers a message string; many panels answer 1 or
 * true; a refusal is `{"error": ...}` in place of the value.
 */
const cancelValue = z.union([
  refusal.transform((r) => ({ accepted: false as const, error: r.error })),
  z.union([z.string(), z.literal(1), z.literal(true)]).transform(() => ({ accepted: true as const })),
]);
const cancelItem = z.object({ order: idLike, cancel: z.unknown() }).transform(({ order, cancel }) => {
  const v = cancelValue.safeParse(cancel);
  return v.success
    ? { order, ...v.data }
    : {
        order,
        accepted: false as const,
        error: `unexpected answer: ${JSON.stringify(cancel)?.slice(0, 100) ?? 'nothing'}`,
      };
});
export type CancelItem = z.infer<typeof cancelItem>;

/** `cancel`: a list of per-order outcomes, or a refusal of the whole call (`{"error": ...}`). */
export const cancelAnswer = z.union([
  refusal,
  z.array(z.unknown()).transform((items) => ({
    items: items.flatMap((i) => {
      const p = cancelItem.safeParse(i);
      return p.success ? [p.data] : [];
    }),
  })),
]);
export type CancelAnswer = z.infer<typeof cancelAnswer>;

export const refillAnswer = z.union([refusal, z.object({ refill: idLike })]);
export type RefillAnswer = z.infer<typeof refillAnswer>;

export const refillStatusName = z
  .string()
  .transform((s) => s.trim().toLowerCase().replace(/[_-]+/g, ' '))
  .pipe(
    z.enum([
      'pending',
      'in progress',
      'processing',
      'completed',
      'rejected',
      'canceled',
      'cancelled',
      'error',
    ]),
  );
export type RefillStatusName = z.infer<typeof refillStatusName>;

/** `refill_status` multi: a list of `{refill, status}` (status may be `{"error": ...}`), or a refusal. */
export const refillStatusAnswer = z.union([
  refusal,
  z.array(z.unknown()).transform((items) => ({
    items: items.flatMap((i) => {
      if (!i || typeof i !== 'object') return [];
      const { refill, status } = i as { refill?: unknown; status?: unknown };
      const id = idLike.safeParse(refill);
      return id.success ? [{ refill: id.data, status }] : [];
    }),
  })),
]);

export const balanceAnswer = z.object({ balance: decimalLike, currency: z.string().max(10).optional() });

const flag = z
  .union([z.boolean(), z.number(), z.string()])
  .optional()
  .transform((v) => v === true || v === 1 || v === '1' || v === 'true');
export const serviceAnswer = z
  .object({
    service: idLike,
    name: z.string().max(500),
    type: z.string().max(100).optional().default('Default'),
    category: z.string().max(300).optional().default('Other'),
    rate: decimalLike,
    min: intLike,
    max: intLike,
    dripfeed: flag,
    refill: flag,
    cancel: flag,
    description: z.string().max(5000).optional().catch(undefined),
    /** SmartPanel and others call it `desc`. */
    desc: z.string().max(5000).optional().catch(undefined),
  })
  .transform(({ desc, ...s }) => ({ ...s, description: s.description ?? desc }));
export type UpstreamService = z.infer<typeof serviceAnswer>;

/** `services`: a list, or a list wrapped in `{"data": [...]}` / `{"services": [...]}`; or a refusal. */
export const servicesAnswer = z.union([
  refusal,
  z.array(z.unknown()).transform((list) => ({ list })),
  z.object({ data: z.array(z.unknown()) }).transform((v) => ({ list: v.data })),
  z.object({ services: z.array(z.unknown()) }).transform((v) => ({ list: v.services })),
]);

/** Parse `value` against `schema`, turning a mismatch into a short description for the operator. */
export function parseAnswer<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; error: string } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const shown = JSON.stringify(value)?.slice(0, 120) ?? String(value);
  return { ok: false, error: `unexpected answer: ${shown}` };
}
