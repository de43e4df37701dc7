/**
 * Refills of orders a provider fulfilled are forwarded to it (`refill`), and their statuses followed
 * with `refill_status`, up to 100 ids a call. A refused refill is Rejected with the upstream message
 * kept; an unreadable answer is asked again later (a refill request is safe to repeat: the upstream
 * keeps one open refill per order).
 */
import type { Executor } from '../db/executor.js';
import { findProvider, listProviders } from '../providers/providers.repo.js';
import { parseAnswer, refillAnswer, refillStatusAnswer } from '../providers/upstream/answers.js';
import { callFailure } from '../providers/upstream/classify.js';
import { callUpstream } from '../providers/upstream/client.js';
import { mapRefillStatus } from '../providers/upstream/status-map.js';
import { setRefillStatus } from '../refills/set-refill-status.js';
import { type EngineContext, nowOf } from './dispatch.js';

const BATCH = 100;

export async function refillRound(ctx: EngineContext): Promise<number> {
  return (await forwardQueued(ctx)) + (await syncSent(ctx));
}

async function forwardQueued(ctx: EngineContext): Promise<number> {
  const now = nowOf(ctx);
  const rows = await ctx.db
    .selectFrom('refills')
    .innerJoin('orders', 'orders.id', 'refills.order_id')
    .select([
      'refills.id as id',
      'orders.provider_id as providerId',
      'orders.provider_order_id as upstreamOrder',
    ])
    .where('refills.forward_state', '=', 'queued')
    .where('refills.next_check_at', '<=', now)
    .orderBy('refills.id')
    .limit(BATCH)
    .execute();
  for (const r of rows) {
    const id = Number(r.id);
    // Lease: another worker skips it for a while; a repeated request would be harmless anyway.
    const lease = await ctx.db
      .updateTable('refills')
      .set({ next_check_at: now + ctx.settings.httpTimeoutMs * 2 })
      .where('id', '=', id)
      .where('forward_state', '=', 'queued')
      .where('next_check_at', '<=', now)
      .executeTakeFirst();
    if (Number(lease.numUpdatedRows) !== 1) continue;
    const provider = r.providerId === null ? null : await findProvider(ctx.db, Number(r.providerId));
    if (!provider || !r.upstreamOrder) {
      await ctx.db.updateTable('refills').set({ forward_state: 'manual' }).where('id', '=', id).execute();
      continue;
    }
    const out = await callUpstream(
      provider,
      { action: 'refill', order: r.upstreamOrder },
      ctx.settings.httpTimeoutMs,
    );
    const answer = out.kind === 'ok' ? parseAnswer(refillAnswer, out.body) : null;
    if (!answer?.ok) {
      const error = callFailure(out, answer && !answer.ok ? answer.error : undefined);
      await ctx.db
        .updateTable('refills')
        .set({ next_check_at: now + ctx.settings.retryBaseMs, last_error: error })
        .where('id', '=', id)
        .execute();
      continue;
    }
    if ('refill' in answer.value) {
      await ctx.db
        .updateTable('refills')
        .set({
          forward_state: 'sent',
          provider_refill_id: answer.value.refill,
          next_check_at: now + ctx.settings.syncBaseMs,
          last_error: null,
        })
        .where('id', '=', id)
        .execute();
      ctx.log('info', 'refill forwarded', { refill: id });
    } else {
      await ctx.db
        .updateTable('refills')
        .set({ forward_state: 'closed', last_error: answer.value.error })
        .where('id', '=', id)
        .execute();
      await setRefillStatus({ db: ctx.db, refillId: id, status: 'rejected', now });
      ctx.log('warn', 'provider refused a refill', { refill: id, message: answer.value.error });
    }
  }
  return rows.length;
}

async function syncSent(ctx: EngineContext): Promise<number> {
  const now = nowOf(ctx);
  let total = 0;
  for (const provider of await listProviders(ctx.db)) {
    const rows = await ctx.db
      .selectFrom('refills')
      .innerJoin('orders', 'orders.id', 'refills.order_id')
      .select(['refills.id as id', 'refills.status as status', 'refills.provider_refill_id as upstream'])
      .where('orders.provider_id', '=', provider.id)
      .where('refills.forward_state', '=', 'sent')
      .where('refills.status', 'in', ['pending', 'in_progress'])
      .where('refills.next_check_at', '<=', now)
      .orderBy('refills.next_check_at')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) continue;
    total += rows.length;
    await pushChecks(
      ctx.db,
      rows.map((r) => Number(r.id)),
      now + ctx.settings.syncBaseMs,
    );
    const out = await callUpstream(
      provider,
      { action: 'refill_status', refills: rows.map((r) => r.upstream).join(',') },
      ctx.settings.httpTimeoutMs,
    );
    const parsed = out.kind === 'ok' ? parseAnswer(refillStatusAnswer, out.body) : null;
    if (!parsed?.ok || 'error' in parsed.value) {
      ctx.log('warn', 'refill status sync failed', {
        provider: provider.id,
        error:
          parsed?.ok && 'error' in parsed.value
            ? parsed.value.error
            : callFailure(out, parsed && !parsed.ok ? parsed.error : undefined),
      });
      continue;
    }
    const byUpstream = new Map<string, unknown>(parsed.value.items.map((i) => [i.refill, i.status]));
    for (const r of rows) {
      const next = mapRefillStatus(byUpstream.get(String(r.upstream)));
      if (next === null || next === r.status || next === 'pending') continue;
      const res = await setRefillStatus({ db: ctx.db, refillId: Number(r.id), status: next, now });
      if (!res.ok) ctx.log('warn', 'refill status ignored', { refill: Number(r.id), to: next });
    }
  }
  return total;
}

async function pushChecks(db: Executor, ids: number[], at: number): Promise<void> {
  await db.updateTable('refills').set({ next_check_at: at }).where('id', 'in', ids).execute();
}
