/**
 * Use case: a customer places many orders at once, one per line `service | link | quantity`.
 *
 * Each line is placed by placeOrder on its own, in the order written, so each is accepted or refused
 * on its own with API v2's messages, and each charge is its own conditional debit: the balance is never
 * overdrawn, and once the money runs out the following lines are refused with "Not enough funds on
 * balance" (a cheaper line further down may still fit). There is deliberately no transaction around
 * the whole batch: one refused line must not undo the others.
 *
 * A malformed line (not three fields, a service or quantity that is not a whole number) is refused
 * before anything is placed for it and changes nothing. Blank lines are skipped; line numbers are
 * those of the text, so the customer finds the line an answer is about.
 *
 * With an idempotency key (one per submitted form), line N places its order under the key
 * `mass:<key>:<N>`: the same form sent again answers the orders the first placed instead of placing
 * them twice.
 */

import type { Executor } from '../db/executor.js';
import { type Failure, type FailureOf, fail, ok, type Result } from '../result.js';
import type { Params } from './order-input.js';
import { placeOrder } from './place-order.js';

/** The most lines (orders) one mass order may hold. */
export const MAX_MASS_LINES = 100;

export type MassLineResult =
  | { line: number; ok: true; orderId: number; chargeUnits: bigint; repeated: boolean }
  | { line: number; ok: false; failure: Failure };

interface ParsedLine {
  line: number;
  fields: Result<{ service: string; link: string; quantity: string }, FailureOf<'malformed_line'>>;
}

const WHOLE = /^\d{1,18}$/;

/** The text's non-blank lines, each read as `service | link | quantity` (or why it cannot be). */
function parseLines(text: string): ParsedLine[] {
  const out: ParsedLine[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const parts = raw.split('|').map((p) => p.trim());
    const line = i + 1;
    if (parts.length !== 3 || parts.some((p) => p === ''))
      out.push({ line, fields: fail({ code: 'malformed_line', problem: 'fields' }) });
    else if (!WHOLE.test(parts[0] as string))
      out.push({ line, fields: fail({ code: 'malformed_line', problem: 'service' }) });
    else if (!WHOLE.test(parts[2] as string))
      out.push({ line, fields: fail({ code: 'malformed_line', problem: 'quantity' }) });
    else
      out.push({
        line,
        fields: ok({ service: parts[0] as string, link: parts[1] as string, quantity: parts[2] as string }),
      });
  });
  return out;
}

function paramsOf(fields: { link: string; quantity: string }): Params {
  return {
    get: (name) => (name === 'link' ? fields.link : name === 'quantity' ? fields.quantity : undefined),
    isMalformed: () => false,
  };
}

/**
 * Place one order per non-blank line of `text`, in order; one answer per line. Refuses the whole
 * text only when it has no line or more than MAX_MASS_LINES lines (then nothing is placed).
 */
export async function placeMassOrder(opts: {
  db: Executor;
  userId: number;
  text: string;
  /** One per submitted form: a repeat answers the orders the first placed. */
  idemKey?: string | undefined;
  now?: number;
}): Promise<Result<MassLineResult[], FailureOf<'no_lines' | 'too_many_lines'>>> {
  const lines = parseLines(opts.text);
  if (lines.length === 0) return fail({ code: 'no_lines' });
  if (lines.length > MAX_MASS_LINES) return fail({ code: 'too_many_lines', max: MAX_MASS_LINES });

  const results: MassLineResult[] = [];
  for (const { line, fields } of lines) {
    if (!fields.ok) {
      results.push({ line, ok: false, failure: fields.failure });
      continue;
    }
    const r = await placeOrder({
      db: opts.db,
      userId: opts.userId,
      serviceId: fields.value.service,
      params: paramsOf(fields.value),
      idemKey: opts.idemKey === undefined ? undefined : `mass:${opts.idemKey}:${line}`,
      ...(opts.now !== undefined ? { now: opts.now } : {}),
    });
    results.push(
      r.ok
        ? {
            line,
            ok: true,
            orderId: r.value.orderId,
            chargeUnits: r.value.chargeUnits,
            repeated: r.value.repeated === true,
          }
        : { line, ok: false, failure: r.failure },
    );
  }
  return ok(results);
}
