/** `providers`: upstream panels that fulfil orders. */
import type { Command } from 'commander';
import { addProvider } from '../../providers/add-provider.js';
import { listProviders } from '../../providers/list-providers.js';
import { getProviderBalance, getProviderServices } from '../../providers/provider-queries.js';
import { removeProvider } from '../../providers/remove-provider.js';
import { resumeProvider } from '../../providers/resume-provider.js';
import { setProviderEnabled } from '../../providers/set-provider-enabled.js';
import { setProviderSendLimit } from '../../providers/set-provider-send-limit.js';
import { updateProvider } from '../../providers/update-provider.js';
import { idArg, intArg, secretArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';
import { serviceFlags, table } from '../output.js';

const KEY_VISIBLE = 'visible in `ps` and shell history: prefer --key-stdin or --key-env';

export function register(program: Command, ctx: CliContext): void {
  const providers = program.command('providers').description('upstream panels that fulfil orders');
  const keyOf = (o: { key?: string; keyStdin?: boolean; keyEnv?: string }) =>
    secretArg(ctx.io, 'key', { value: o.key, stdin: o.keyStdin, env: o.keyEnv, flag: 'key' });

  providers
    .command('add')
    .description('connect an upstream panel (after checking that it answers a balance call) and print its id')
    .requiredOption('--name <name>', 'a name for it')
    .requiredOption('--url <url>', 'its API v2 URL, e.g. https://panel.example/api/v2')
    .option('--key <key>', `our API key at that panel (stored to call it; never printed; ${KEY_VISIBLE})`)
    .option('--key-stdin', 'read the key from the first line of standard input')
    .option('--key-env <name>', 'read the key from this environment variable')
    .option('--no-check', 'save without asking the provider for our balance first')
    .action(async (o) => {
      const apiKey = await keyOf(o);
      if (apiKey === undefined)
        throw new CliFailure('give the key: --key-stdin, --key-env NAME or --key KEY');
      const db = await ctx.database();
      const r = unwrap(
        await addProvider({
          db,
          actor: await ctx.actor(),
          name: o.name,
          url: o.url,
          apiKey,
          check: o.check !== false,
        }),
      );
      ctx.emit(
        { id: r.id },
        `added provider ${r.id}: ${o.name}${r.balance === undefined ? ' (not checked)' : ` (our balance there: ${r.balance})`}`,
      );
    });
  providers
    .command('list')
    .description('the providers and their state (active, held, disabled)')
    .action(async () => {
      const db = await ctx.database();
      const rows = await listProviders({ db });
      ctx.emit(
        { providers: rows },
        table(
          ['id', 'name', 'url', 'send limit', 'state'],
          rows.map((p) => [
            p.id,
            p.name,
            p.url,
            p.sendLimit,
            `${p.state}${p.heldReason ? ` (${p.heldReason})` : ''}`,
          ]),
          'no providers yet: smm-panel providers add --help',
        ),
      );
    });
  providers
    .command('balance')
    .description('our balance at a provider')
    .requiredOption('--provider <id>', 'provider id')
    .action(async (o) => {
      const providerId = idArg(o.provider, 'provider');
      const db = await ctx.database();
      const r = unwrap(await getProviderBalance({ db, providerId }));
      ctx.emit(
        { provider: providerId, balance: r.balance, currency: r.currency },
        `balance: ${r.balance} ${r.currency ?? ''}`.trim(),
      );
    });
  providers
    .command('services')
    .description("a provider's services")
    .requiredOption('--provider <id>', 'provider id')
    .action(async (o) => {
      const providerId = idArg(o.provider, 'provider');
      const db = await ctx.database();
      const r = unwrap(await getProviderServices({ db, providerId }));
      ctx.emit(
        {
          services: r.services.map((s) => ({ ...s, min: s.min.toString(), max: s.max.toString() })),
          unreadable: r.skipped,
        },
        table(
          ['service', 'category', 'name', 'type', 'rate', 'min-max', 'flags'],
          r.services.map((s) => [
            s.service,
            s.category,
            s.name,
            s.type,
            s.rate,
            `${s.min}-${s.max}`,
            serviceFlags(s),
          ]),
          'the provider lists no services',
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
      const providerId = idArg(o.provider, 'provider');
      const db = await ctx.database();
      const r = unwrap(await resumeProvider({ db, actor: await ctx.actor(), providerId }));
      ctx.emit(
        { provider: r.id, requeued: r.requeued },
        `provider ${r.id} resumed; ${r.requeued} held order(s) queued`,
      );
    });
  providers
    .command('set')
    .description("change a provider's URL, key (checked with a balance call unless --no-check) or send limit")
    .requiredOption('--provider <id>', 'provider id')
    .option('--url <url>', 'new API v2 URL')
    .option('--key <key>', `new API key at that panel (${KEY_VISIBLE})`)
    .option('--key-stdin', 'read the new key from the first line of standard input')
    .option('--key-env <name>', 'read the new key from this environment variable')
    .option('--no-check', 'save without asking the provider for our balance first')
    .option(
      '--send-limit <n>',
      'orders one worker sends to it at the same moment, 1-100 (default 1: panels whose balance update is not atomic lose money on simultaneous orders)',
    )
    .action(async (o) => {
      const providerId = idArg(o.provider, 'provider');
      const apiKey = await keyOf(o);
      if (o.url === undefined && apiKey === undefined && o.sendLimit === undefined)
        throw new CliFailure('give --url, a key (--key, --key-stdin, --key-env) or --send-limit');
      const db = await ctx.database();
      let name = '';
      if (o.url !== undefined || apiKey !== undefined) {
        const r = unwrap(
          await updateProvider({
            db,
            actor: await ctx.actor(),
            providerId,
            url: o.url,
            apiKey,
            check: o.check !== false,
          }),
        );
        name = r.name;
      }
      let sendLimit: number | undefined;
      if (o.sendLimit !== undefined) {
        const limit = Number(intArg(o.sendLimit, 'send limit', 1));
        sendLimit = unwrap(
          await setProviderSendLimit({ db, actor: await ctx.actor(), providerId, limit }),
        ).limit;
      }
      ctx.emit(
        { provider: providerId, ...(sendLimit !== undefined ? { sendLimit } : {}) },
        `provider ${providerId}${name ? ` (${name})` : ''} updated${sendLimit !== undefined ? `; send limit ${sendLimit}` : ''}`,
      );
    });
  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    providers
      .command(name)
      .description(
        enabled
          ? 'enable a disabled provider again (its held orders are queued again)'
          : 'send no new orders to a provider; the orders it has are still followed to the end',
      )
      .requiredOption('--provider <id>', 'provider id')
      .action(async (o) => {
        const providerId = idArg(o.provider, 'provider');
        const db = await ctx.database();
        const r = unwrap(await setProviderEnabled({ db, actor: await ctx.actor(), providerId, enabled }));
        ctx.emit(
          { provider: r.id, state: r.state, changed: r.changed, requeued: r.requeued },
          `provider ${r.id} (${r.name}) ${r.changed ? 'is now' : 'was already'} ${r.state}${r.requeued > 0 ? `; ${r.requeued} held order(s) queued` : ''}`,
        );
      });
  }
  providers
    .command('remove')
    .description('remove a provider no open order and no service uses any more')
    .requiredOption('--provider <id>', 'provider id')
    .action(async (o) => {
      const providerId = idArg(o.provider, 'provider');
      const db = await ctx.database();
      const r = unwrap(await removeProvider({ db, actor: await ctx.actor(), providerId }));
      ctx.emit({ provider: r.id, removed: true }, `provider ${r.id} (${r.name}) removed`);
    });
}
