/** `providers`: upstream panels that fulfil orders. */
import type { Command } from 'commander';
import { addProvider, providerProblem } from '../../providers/add-provider.js';
import { getProviderBalance, getProviderServices } from '../../providers/provider-queries.js';
import { findProvider, listProviders } from '../../providers/providers.repo.js';
import { resumeProvider } from '../../worker/held.js';
import { idArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const providers = program.command('providers').description('upstream panels that fulfil orders');
  providers
    .command('add')
    .description('connect an upstream panel and print its id')
    .requiredOption('--name <name>', 'a name for it')
    .requiredOption('--url <url>', 'its API v2 URL, e.g. https://panel.example/api/v2')
    .requiredOption('--key <key>', 'our API key at that panel (stored to call it; never printed)')
    .action(async (o) => {
      const k = await ctx.database();
      const r = unwrap(await addProvider({ db: k, name: o.name, url: o.url, apiKey: o.key }));
      ctx.emit({ id: r.id }, `added provider ${r.id}: ${o.name}`);
    });
  providers
    .command('list')
    .description('the providers and whether they are held')
    .action(async () => {
      const k = await ctx.database();
      const list = await listProviders(k);
      const rows = list.map((p) => ({
        id: p.id,
        name: p.name,
        url: p.url,
        state: p.state,
        heldReason: p.heldReason,
      }));
      ctx.emit(
        { providers: rows },
        rows.length === 0
          ? ['no providers yet: smm-panel providers add --help']
          : rows.map(
              (p) => `${p.id}\t${p.name}\t${p.url}\t${p.state}${p.heldReason ? ` (${p.heldReason})` : ''}`,
            ),
      );
    });
  providers
    .command('balance')
    .description('our balance at a provider')
    .requiredOption('--provider <id>', 'provider id')
    .action(async (o) => {
      const k = await ctx.database();
      const r = unwrap(await getProviderBalance({ db: k, providerId: idArg(o.provider, 'provider') }));
      ctx.emit(
        { provider: Number(o.provider), balance: r.balance, currency: r.currency },
        `balance: ${r.balance} ${r.currency ?? ''}`.trim(),
      );
    });
  providers
    .command('services')
    .description("a provider's services")
    .requiredOption('--provider <id>', 'provider id')
    .action(async (o) => {
      const k = await ctx.database();
      const r = unwrap(await getProviderServices({ db: k, providerId: idArg(o.provider, 'provider') }));
      ctx.emit(
        {
          services: r.services.map((s) => ({ ...s, min: s.min.toString(), max: s.max.toString() })),
          unreadable: r.skipped,
        },
        r.services.map(
          (s) =>
            `${s.service}\t${s.category} / ${s.name}\t${s.type}\trate ${s.rate}\t${s.min}-${s.max}${s.dripfeed ? '\tdripfeed' : ''}${s.refill ? '\trefill' : ''}${s.cancel ? '\tcancel' : ''}`,
        ),
      );
    });
  providers
    .command('resume')
    .description(
      'send the orders held for a provider again (after topping up our balance there, fixing the key)',
    )
    .requiredOption('--provider <id>', 'provider id')
    .action(async (o) => {
      const k = await ctx.database();
      const id = idArg(o.provider, 'provider');
      if (!(await findProvider(k, id))) throw new CliFailure('Provider not found');
      const n = await resumeProvider(k, id);
      ctx.emit({ provider: id, requeued: n }, `provider ${id} resumed; ${n} held order(s) queued`);
    });
  providers
    .command('set')
    .description("change a provider's URL or key")
    .requiredOption('--provider <id>', 'provider id')
    .option('--url <url>', 'new API v2 URL')
    .option('--key <key>', 'new API key at that panel')
    .action(async (o) => {
      const k = await ctx.database();
      const id = idArg(o.provider, 'provider');
      const p = await findProvider(k, id);
      if (!p) throw new CliFailure('Provider not found');
      const problem = providerProblem(o.url ?? p.url, o.key ?? p.apiKey);
      if (problem) throw new CliFailure(problem);
      await k
        .updateTable('providers')
        .set({ url: new URL((o.url ?? p.url).trim()).toString(), api_key: (o.key ?? p.apiKey).trim() })
        .where('id', '=', id)
        .execute();
      ctx.emit({ provider: id }, `provider ${id} updated`);
    });
}
