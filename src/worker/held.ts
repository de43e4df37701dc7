/**
 * Providers that refused our account (funds, key) are held: their orders wait. Every `probeMs` the
 * engine asks the provider's balance; when our account answers again, the provider is resumed and its
 * held orders are queued to be sent (safe: a refusal means the upstream did not take them).
 */
import { SYSTEM } from '../audit/actor.js';
import { parseAmount } from '../money.js';
import { leaseProbe, listProviders } from '../providers/providers.repo.js';
import { resumeProvider } from '../providers/resume-provider.js';
import { balanceAnswer, parseAnswer } from '../providers/upstream/answers.js';
import { callUpstream } from '../providers/upstream/client.js';
import { upstreamParams } from '../providers/upstream/params.js';
import { type EngineContext, nowOf } from './dispatch.js';

export async function probeHeldProviders(ctx: EngineContext): Promise<number> {
  const now = nowOf(ctx);
  let resumed = 0;
  for (const p of await listProviders(ctx.db)) {
    if (p.state !== 'held' || (p.nextProbeAt !== null && p.nextProbeAt > now)) continue;
    if (!(await leaseProbe(ctx.db, p.id, now + ctx.settings.probeMs))) continue;
    const out = await callUpstream(p, upstreamParams.balance(), ctx.settings.httpTimeoutMs);
    const parsed = out.kind === 'ok' ? parseAnswer(balanceAnswer, out.body) : null;
    const balance = parsed?.ok ? parseAmount(parsed.value.balance) : null;
    if (balance !== null && balance > 0n) {
      const r = await resumeProvider({ db: ctx.db, actor: SYSTEM, providerId: p.id, now });
      const n = r.ok ? r.value.requeued : 0;
      resumed += n;
      ctx.log('info', 'provider works again; held orders queued', { provider: p.id, orders: n });
    }
  }
  return resumed;
}
