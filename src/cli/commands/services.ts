/** `services`: the catalogue, by hand or imported from a provider. */
import { type Command, Option } from 'commander';
import { createService } from '../../catalog/create-service.js';
import { listServices } from '../../catalog/list-services.js';
import { isServiceType, SERVICE_TYPES } from '../../catalog/service-types.js';
import { setServiceEnabled } from '../../catalog/set-service-enabled.js';
import { updateService } from '../../catalog/update-service.js';
import { importServices } from '../../providers/import-services.js';
import { idArg, intArg, rateArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';
import { serviceFlags, table } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  const services = program.command('services').description('the service catalogue');
  services
    .command('create')
    .description('add a service and print its id')
    .requiredOption('--name <name>', 'service name')
    .requiredOption('--category <category>', 'category shown to customers')
    .addOption(new Option('--type <type>', 'order type').choices([...SERVICE_TYPES]).default('Default'))
    .requiredOption('--rate <rate>', 'price per 1000, at most 4 decimals')
    .requiredOption('--min <n>', 'minimal quantity')
    .requiredOption('--max <n>', 'maximal quantity')
    .option('--dripfeed', 'allow drip-feed (runs/interval)')
    .option('--refill', 'allow refills')
    .option('--cancel', 'allow cancels')
    .option('--description <text>', 'description', '')
    .action(async (o) => {
      if (!isServiceType(o.type)) throw new CliFailure(`unknown type "${o.type}"`);
      const input = {
        name: o.name,
        category: o.category,
        type: o.type,
        rateUnits: rateArg(o.rate),
        min: intArg(o.min, 'min', 1),
        max: intArg(o.max, 'max', 1),
        dripfeed: !!o.dripfeed,
        refill: !!o.refill,
        cancel: !!o.cancel,
        description: o.description,
      };
      const db = await ctx.database();
      const r = unwrap(await createService({ db, actor: await ctx.actor(), input }));
      ctx.emit({ id: r.id }, `created service ${r.id}: ${o.name}`);
    });
  services
    .command('list')
    .description('list services (enabled only unless --all)')
    .option('--all', 'include disabled services')
    .action(async (o) => {
      const db = await ctx.database();
      const rows = (await listServices({ db, userId: null, includeDisabled: !!o.all })).map(
        ({ providerId: _p, description: _d, ...s }) => s,
      );
      ctx.emit(
        { services: rows },
        table(
          ['id', 'category', 'name', 'type', 'rate', 'min-max', 'flags', 'state'],
          rows.map((s) => [
            s.id,
            s.category,
            s.name,
            s.type,
            s.rate,
            `${s.min}-${s.max}`,
            serviceFlags(s),
            s.enabled ? 'enabled' : 'DISABLED',
          ]),
          'no services yet: smm-panel services create --help',
        ),
      );
    });
  for (const [name, enabled] of [
    ['enable', 1],
    ['disable', 0],
  ] as const) {
    services
      .command(name)
      .description(`${name} a service`)
      .requiredOption('--service <id>', 'service id')
      .action(async (o) => {
        const id = idArg(o.service, 'service');
        const db = await ctx.database();
        unwrap(
          await setServiceEnabled({ db, actor: await ctx.actor(), serviceId: id, enabled: enabled === 1 }),
        );
        ctx.emit({ id, enabled: enabled === 1 }, `service ${id} ${name}d`);
      });
  }
  services
    .command('import')
    .description(
      "import a provider's services with a markup (re-run to update rates; vanished ones are disabled)",
    )
    .requiredOption('--provider <id>', 'provider id')
    .requiredOption(
      '--markup <percent>',
      'added to the upstream rate, e.g. 25 (0 sells at the provider price; rounded half up to 4 decimals)',
    )
    .option('--category <name>', 'put the imported services in this category')
    .option('--ids <list>', 'only these upstream service ids, e.g. 1,2,3')
    .option(
      '--dripfeed',
      'offer drip-feed on Default services even where the provider has none (the engine splits the runs)',
    )
    .option(
      '--overwrite-rates',
      'also replace rates set by hand (services create/update --rate); kept otherwise',
    )
    .action(async (o) => {
      const db = await ctx.database();
      const ids =
        o.ids === undefined
          ? undefined
          : String(o.ids)
              .split(',')
              .map((x: string) => x.trim())
              .filter(Boolean);
      const { applied: _plan, ...r } = unwrap(
        await importServices({
          db,
          actor: await ctx.actor(),
          providerId: idArg(o.provider, 'provider'),
          markupPercent: o.markup,
          category: o.category,
          ids,
          dripfeed: !!o.dripfeed,
          overwriteRates: !!o.overwriteRates,
        }),
      );
      ctx.emit({ ...r }, [
        `imported: ${r.created.length} new, ${r.updated.length} updated, ${r.disabled.length} disabled (vanished upstream)`,
        ...(r.keptRates.length > 0
          ? [
              `  kept the rate set by hand on service(s) ${r.keptRates.join(', ')} (--overwrite-rates replaces them)`,
            ]
          : []),
        ...r.skipped.map((x) => `  skipped ${x.service}: ${x.reason}`),
      ]);
    });
  services
    .command('update')
    .description('change a service')
    .requiredOption('--service <id>', 'service id')
    .option('--name <name>', 'name')
    .option('--category <category>', 'category')
    .option('--rate <rate>', 'price per 1000, at most 4 decimals')
    .option('--min <n>', 'minimal quantity')
    .option('--max <n>', 'maximal quantity')
    .addOption(new Option('--dripfeed <on|off>', 'drip-feed').choices(['on', 'off']))
    .addOption(new Option('--refill <on|off>', 'refills').choices(['on', 'off']))
    .addOption(new Option('--cancel <on|off>', 'cancels').choices(['on', 'off']))
    .option('--refill-days <n|lifetime>', 'days after completion during which refills are accepted')
    .option('--description <text>', 'description')
    .option('--manual', 'fulfil new orders by hand instead of through the provider')
    .action(async (o) => {
      const flag = (v: string | undefined) => (v === undefined ? undefined : v === 'on');
      let refillDays: number | null | undefined;
      if (o.refillDays !== undefined)
        refillDays = o.refillDays === 'lifetime' ? null : Number(intArg(o.refillDays, 'refill days'));
      const changes = {
        name: o.name,
        category: o.category,
        rateUnits: o.rate === undefined ? undefined : rateArg(o.rate),
        min: o.min === undefined ? undefined : intArg(o.min, 'min', 1),
        max: o.max === undefined ? undefined : intArg(o.max, 'max', 1),
        dripfeed: flag(o.dripfeed),
        refill: flag(o.refill),
        cancel: flag(o.cancel),
        description: o.description,
        refillDays,
        manual: !!o.manual,
      };
      const db = await ctx.database();
      const r = unwrap(
        await updateService({
          db,
          actor: await ctx.actor(),
          serviceId: idArg(o.service, 'service'),
          changes,
        }),
      );
      ctx.emit({ id: r.id }, `service ${r.id} updated`);
    });
}
