/**
 * Use case: the providers staff may import services from (services.write: admin only), for the
 * import page's choice: id, name and state, never the key or URL.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import type { ProviderState } from './provider.state.js';
import { listProviders } from './providers.repo.js';

export async function listImportSources(opts: {
  db: Executor;
  actor: Actor;
}): Promise<Result<{ id: number; name: string; state: ProviderState }[], FailureOf<'forbidden'>>> {
  if (!can(opts.actor.role, 'services.write')) return fail({ code: 'forbidden' });
  return ok((await listProviders(opts.db)).map((p) => ({ id: p.id, name: p.name, state: p.state })));
}
