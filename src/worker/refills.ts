/**
 * Refills of orders a provider fulfilled are forwarded to it (`refill`), and their statuses followed
 * with `refill_status`, up to 100 ids a call. A refused refill is Rejected with the upstream message
 * kept; an unreadable answer is asked again later (a refill request is safe to repeat: the upstream
 * keeps one open refill per order).
 */
import { SYSTEM } from '../audit/actor.js';
import { findProvider, listProviders } from '../providers/providers.repo.js';
import { parseAnswer, refillAnswer, refillStatusAnswer } from '../providers/upstream/answers.js';
import { callFailure } from '../providers/upstream/classify.js';
import { callUpstream } from '../providers/upstream/client.js';
import { upstreamParams } from '../providers/upstream/params.js';
import { mapRefillStatus } from '../providers/upstream/status-map.js';
import {
  checkRefillsAgainAt,
  findForwardedRefillsDue,
  findRefillsToForward,
  leaseRefillForward,
  moveRefillForward,
  retryRefillForwardAt,
} from '../refills/refills.repo.js';
import { setRefillStatus } from '../refills/set-refill-status.js';
import { type EngineContext, nowOf } from './dispatch.js';

const BATCH = 100;

export async function refillRound(ctx: EngineContext): Promise<number> {
  return (await forwardQueued(ctx)) + (await syncSent(ctx));
}

async function forwardQueued(ctx: EngineContext): Promise<number> {
  const now = nowOf(ctx);
  const rows = await findRefillsToForward(ctx.db, { now, limit: BATCH });
  for (const r of rows) {
    const id = r.id;
    // Lease: another worker skips it for a while; a repeated request would be harmless anyway.
    if (
      !(await leaseRefillForward(ctx.db, { refillId: id, now, until: now + ctx.settings.httpTimeoutMs * 2 }))
    )
      continue;
    const provider = r.providerId === null ? null : await findProvider(ctx.db, r.providerId);
    if (!provider || !r.upstreamOrder) {
      await moveRefillForward(ctx.db, { refillId: id, to: 'manual' });
      continue;
    }
    const out = await callUpstream(
      provider,
      upstreamParams.refill(r.upstreamOrder),
      ctx.settings.httpTimeoutMs,
    );
    const answer = out.kind === 'ok' ? parseAnswer(refillAnswer, out.body) : null;
    if (!answer?.ok) {
      const error = callFailure(out, answer && !answer.ok ? answer.error : undefined);
      await retryRefillForwardAt(ctx.db, { refillId: id, at: now + ctx.settings.retryBaseMs, error });
      continue;
    }
    if ('refill' in answer.value) {
      await moveRefillForward(ctx.db, {
        refillId: id,
        to: 'sent',
        set: {
          provider_refill_id: answer.value.refill,
          next_check_at: now + ctx.settings.syncBaseMs,
          last_error: null,
        },
      });
      ctx.log('info', 'refill forwarded', { refill: id });
    } else {
      await moveRefillForward(ctx.db, {
        refillId: id,
        to: 'closed',
        set: { last_error: answer.value.error },
      });
      await setRefillStatus({ db: ctx.db, actor: SYSTEM, refillId: id, status: 'rejected', now });
      ctx.log('warn', 'provider refused a refill', { refill: id, message: answer.value.error });
    }
  }
  return rows.length;
}

async function syncSent(ctx: EngineContext): Promise<number> {
  const now = nowOf(ctx);
  let total = 0;
  for (const provider of await listProviders(ctx.db)) {
    const rows = await findForwardedRefillsDue(ctx.db, { providerId: provider.id, now, limit: BATCH });
    if (rows.length === 0) continue;
    total += rows.length;
    await checkRefillsAgainAt(ctx.db, {
      refillIds: rows.map((r) => r.id),
      at: now + ctx.settings.syncBaseMs,
    });
    const out = await callUpstream(
      provider,
      upstreamParams.refillStatus(rows.map((r) => r.upstream ?? '')),
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
      const res = await setRefillStatus({ db: ctx.db, actor: SYSTEM, refillId: r.id, status: next, now });
      if (!res.ok) ctx.log('warn', 'refill status ignored', { refill: r.id, to: next });
    }
  }
  return total;
}
