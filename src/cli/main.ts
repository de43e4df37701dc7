/**
 * The operator CLI, `smm-panel`. Every command opens the database named by DATABASE_URL, runs one use
 * case and closes it. `--json` prints exactly one JSON object on stdout for scripts (errors too, as
 * {"error": "..."}); otherwise output is for people. Errors are one line and a non-zero exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { createUser } from '../accounts/create-user.js';
import { rotateApiKey } from '../accounts/rotate-key.js';
import { findUserByUsername } from '../accounts/users.repo.js';
import { listAlerts } from '../alerts/list-alerts.js';
import { resolveAlert } from '../alerts/resolve-alert.js';
import { createService } from '../catalog/create-service.js';
import { listServices } from '../catalog/list-services.js';
import { isServiceType, SERVICE_TYPES } from '../catalog/service-types.js';
import { setServiceEnabled } from '../catalog/set-service-enabled.js';
import { setUserRate } from '../catalog/set-user-rate.js';
import { updateService } from '../catalog/update-service.js';
import { loadConfig } from '../config.js';
import { type Db, openDatabase } from '../db/connect.js';
import { parseWholeNumber } from '../ids.js';
import { adjustFunds } from '../ledger/adjust-funds.js';
import { checkLedger } from '../ledger/check-ledger.js';
import { formatAmount, formatRate, parseAmount, parseRate } from '../money.js';
import { API_STATUS, parseOrderStatus } from '../orders/order.state.js';
import { listOrders } from '../orders/orders.repo.js';
import { resolveReview } from '../orders/resolve-review.js';
import { changeOrderStatus } from '../orders/settle.js';
import { addProvider, providerProblem } from '../providers/add-provider.js';
import { importServices } from '../providers/import-services.js';
import { getProviderBalance, getProviderServices } from '../providers/provider-queries.js';
import { findProvider, listProviders } from '../providers/providers.repo.js';
import { API_REFILL_STATUS, parseRefillStatus } from '../refills/refill.state.js';
import { setRefillStatus } from '../refills/set-refill-status.js';
import { failureMessage, type Result } from '../result.js';
import { getCurrency, setCurrency } from '../settings/settings.js';
import { resumeProvider } from '../worker/held.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
};

/** An expected failure of a command: printed as one line, exit code 1. */
class CliFailure extends Error {}

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new CliFailure(failureMessage(r.failure));
  return r.value;
}

function amountArg(text: string, what: string): bigint {
  const v = parseAmount(text);
  if (v === null)
    throw new CliFailure(`${what} must be a decimal number with at most 7 decimals (got "${text}")`);
  return v;
}

function rateArg(text: string): bigint {
  const v = parseRate(text);
  if (v === null)
    throw new CliFailure(`rate must be a non-negative decimal with at most 4 decimals (got "${text}")`);
  return v;
}

function intArg(text: string, what: string, min = 0): bigint {
  const n = parseWholeNumber(text);
  if (n === null || n < BigInt(min)) {
    throw new CliFailure(
      `${what} must be a whole number${min > 0 ? ` of at least ${min}` : ''} (got "${text}")`,
    );
  }
  return n;
}

function idArg(text: string, what: string): number {
  return Number(intArg(text, what, 1));
}

/** JSON.stringify that writes bigints as strings (amounts are exact decimal strings anyway). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let jsonMode = argv.includes('--json');
  let db: Db | null = null;
  const database = async (): Promise<Db> => {
    if (!db) db = await openDatabase(loadConfig(io.env).DATABASE_URL);
    return db;
  };
  /** Print a result: the object as JSON in --json mode, else the human lines. */
  const emit = (obj: Record<string, unknown>, human: string | string[]) => {
    if (jsonMode) io.out(toJson(obj));
    else for (const l of Array.isArray(human) ? human : [human]) io.out(l);
  };

  const program = new Command('smm-panel')
    .description('Operate an smm-panel: users, funds, services, orders, the ledger')
    .option('--json', 'print one JSON object (for scripts)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showSuggestionAfterError();

  /**
   * Resolves at the first SIGINT/SIGTERM. Called before anything starts, so that a signal arriving
   * while the process is starting up still means a clean stop rather than the default abrupt exit.
   */
  const untilSignal = () =>
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });

  program
    .command('serve')
    .description('start the panel (HTTP API, and the fulfilment worker unless --no-worker)')
    .option('--port <port>', 'port (default PORT or 8080)')
    .option('--host <host>', 'address to listen on (default HOST or 127.0.0.1)')
    .option('--no-worker', 'serve the API only; run `smm-panel worker` processes separately')
    .action(async (o) => {
      const signalled = untilSignal();
      const { startPanel } = await import('../app.js');
      const config = loadConfig({
        ...io.env,
        ...(o.port ? { PORT: o.port } : {}),
        ...(o.host ? { HOST: o.host } : {}),
      });
      const panel = await startPanel(config, io.out, { worker: o.worker !== false });
      await signalled;
      await panel.stop();
    });

  program
    .command('worker')
    .description('run the fulfilment engine alone (any number of workers may share one database)')
    .action(async () => {
      const signalled = untilSignal();
      const { startWorkerProcess } = await import('../app.js');
      const worker = await startWorkerProcess(loadConfig(io.env), io.out);
      await signalled;
      await worker.stop();
    });

  program
    .command('simulate')
    .description('serve a simulated upstream provider (API v2) for demos and tests')
    .option('--port <port>', 'port', '9090')
    .option('--host <host>', 'address', '127.0.0.1')
    .option('--seed <n>', 'seed: the same seed gives the same order outcomes', '1')
    .option('--key <key>', 'the API key it accepts', 'sim-key')
    .option('--speed <x>', 'time multiplier (2 = twice as fast)', '1')
    .action(async (o) => {
      const signalled = untilSignal();
      const { startSimulator } = await import('../dev/simulator.js');
      const speed = Number(o.speed);
      if (!(speed > 0 && speed <= 1000)) throw new CliFailure('speed must be a number between 0 and 1000');
      const sim = await startSimulator({
        port: Number(intArg(o.port, 'port')),
        host: o.host,
        seed: Number(intArg(o.seed, 'seed')),
        key: o.key,
        speed,
      });
      emit({ url: sim.url, key: o.key }, [`simulated provider at ${sim.url} (key: ${o.key})`]);
      await signalled;
      await sim.close();
    });

  const users = program.command('users').description('customer and operator accounts');
  users
    .command('create')
    .description('create a user and print its API key (shown only this once)')
    .requiredOption('--username <name>', 'login name (3-64 of letters, digits, _ . -)')
    .option('--password <password>', 'web login password (at least 8 characters)')
    .option('--balance <amount>', 'opening balance', '0')
    .option('--admin', 'make the user an operator')
    .action(async (o) => {
      const balanceUnits = amountArg(o.balance, 'balance');
      if (balanceUnits < 0n) throw new CliFailure('balance cannot be negative');
      const { db: k } = await database();
      const r = unwrap(
        await createUser({
          db: k,
          input: { username: o.username, password: o.password, balanceUnits, admin: !!o.admin },
        }),
      );
      emit({ id: r.id, username: r.username, apiKey: r.apiKey, balance: formatAmount(balanceUnits) }, [
        `created user ${r.username} (id ${r.id})`,
        `API key: ${r.apiKey}`,
        'The key is shown only now; `smm-panel users key` makes a new one.',
      ]);
    });
  users
    .command('key')
    .description('replace a user API key with a new one (the old one stops working) and print it')
    .requiredOption('--username <name>', 'the user')
    .action(async (o) => {
      const { db: k } = await database();
      const r = unwrap(await rotateApiKey({ db: k, username: o.username }));
      emit({ id: r.id, username: o.username, apiKey: r.apiKey }, [
        `new API key for ${o.username}: ${r.apiKey}`,
      ]);
    });
  users
    .command('show')
    .description("show a user's balance")
    .requiredOption('--username <name>', 'the user')
    .action(async (o) => {
      const { db: k } = await database();
      const u = await findUserByUsername(k, o.username);
      if (!u) throw new CliFailure('User not found');
      const currency = await getCurrency(k);
      emit(
        {
          id: u.id,
          username: u.username,
          admin: u.isAdmin,
          disabled: u.disabled,
          balance: formatAmount(u.balanceUnits),
          currency,
        },
        `${u.username} (id ${u.id}${u.isAdmin ? ', admin' : ''}): balance ${formatAmount(u.balanceUnits)} ${currency}`,
      );
    });

  program
    .command('funds')
    .description('credit or deduct funds')
    .command('add')
    .description('add funds to a user (a negative amount deducts; a balance never goes below 0)')
    .requiredOption('--username <name>', 'the user')
    .requiredOption('--amount <amount>', 'amount in the panel currency, e.g. 25 or -3.5')
    .option('--note <text>', 'note kept in the ledger')
    .action(async (o) => {
      const amountUnits = amountArg(o.amount, 'amount');
      const { db: k } = await database();
      const r = unwrap(await adjustFunds({ db: k, username: o.username, amountUnits, note: o.note }));
      const currency = await getCurrency(k);
      emit(
        {
          userId: r.userId,
          username: o.username,
          amount: formatAmount(amountUnits),
          balance: formatAmount(r.balanceUnits),
          currency,
        },
        `${o.username}: ${amountUnits >= 0n ? 'added' : 'deducted'} ${formatAmount(amountUnits < 0n ? -amountUnits : amountUnits)}, balance ${formatAmount(r.balanceUnits)} ${currency}`,
      );
    });

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
      const { db: k } = await database();
      const r = unwrap(await createService({ db: k, input }));
      emit({ id: r.id }, `created service ${r.id}: ${o.name}`);
    });
  services
    .command('list')
    .description('list services (enabled only unless --all)')
    .option('--all', 'include disabled services')
    .action(async (o) => {
      const { db: k } = await database();
      const rows = (await listServices({ db: k, userId: null, includeDisabled: !!o.all })).map(
        ({ providerId: _p, description: _d, ...s }) => s,
      );
      emit(
        { services: rows },
        rows.length === 0
          ? ['no services yet: smm-panel services create --help']
          : rows.map(
              (s) =>
                `${s.id}\t${s.category} / ${s.name}\t${s.type}\trate ${s.rate}\t${s.min}-${s.max}${s.dripfeed ? '\tdripfeed' : ''}${s.refill ? '\trefill' : ''}${s.cancel ? '\tcancel' : ''}${s.enabled ? '' : '\tDISABLED'}`,
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
        const { db: k } = await database();
        unwrap(await setServiceEnabled({ db: k, serviceId: id, enabled: enabled === 1 }));
        emit({ id, enabled: enabled === 1 }, `service ${id} ${name}d`);
      });
  }

  const rates = program.command('rates').description("per-user rates (a user's own price for a service)");
  rates
    .command('set')
    .description('give a user their own rate for a service')
    .requiredOption('--username <name>', 'the user')
    .requiredOption('--service <id>', 'service id')
    .requiredOption('--rate <rate>', 'price per 1000, at most 4 decimals')
    .action(async (o) => {
      const serviceId = idArg(o.service, 'service');
      const rateUnits = rateArg(o.rate);
      const { db: k } = await database();
      unwrap(await setUserRate({ db: k, username: o.username, serviceId, rateUnits }));
      emit(
        { username: o.username, service: serviceId, rate: formatRate(rateUnits) },
        `${o.username} now pays ${formatRate(rateUnits)} per 1000 for service ${serviceId}`,
      );
    });
  rates
    .command('clear')
    .description("remove a user's own rate (back to the service rate)")
    .requiredOption('--username <name>', 'the user')
    .requiredOption('--service <id>', 'service id')
    .action(async (o) => {
      const serviceId = idArg(o.service, 'service');
      const { db: k } = await database();
      unwrap(await setUserRate({ db: k, username: o.username, serviceId, rateUnits: null }));
      emit(
        { username: o.username, service: serviceId, rate: null },
        `${o.username} pays the service rate for service ${serviceId}`,
      );
    });

  const orders = program.command('orders').description('orders');
  orders
    .command('list')
    .description('list the newest orders')
    .option('--username <name>', "only this user's orders")
    .option('--status <status>', 'only orders in this status (e.g. Pending, "In progress")')
    .option('--limit <n>', 'how many', '50')
    .action(async (o) => {
      const limit = Number(intArg(o.limit, 'limit', 1));
      const status = o.status === undefined ? undefined : parseOrderStatus(o.status);
      if (status === null)
        throw new CliFailure(`unknown status "${o.status}" (use ${Object.values(API_STATUS).join(', ')})`);
      const { db: k } = await database();
      let userId: number | undefined;
      if (o.username) {
        const u = await findUserByUsername(k, o.username);
        if (!u) throw new CliFailure('User not found');
        userId = u.id;
      }
      const list = await listOrders(k, { userId, status, limit });
      const rows = list.map((x) => ({
        id: x.id,
        username: x.username,
        service: x.serviceId,
        type: x.type,
        link: x.link,
        quantity: x.quantity.toString(),
        runs: x.runs,
        interval: x.intervalMinutes,
        charge: formatAmount(x.chargeUnits),
        refunded: formatAmount(x.refundedUnits),
        status: API_STATUS[x.status],
        remains: x.remains.toString(),
        start_count: x.startCount?.toString() ?? null,
        cancel_requested: x.cancelRequestedAt !== null,
        dispatch: x.dispatchState,
        provider: x.providerId,
        upstream_order: x.providerOrderId,
        error: x.lastError,
        created_at: new Date(x.createdAt).toISOString(),
      }));
      emit(
        { orders: rows },
        rows.length === 0
          ? ['no orders']
          : rows.map(
              (x) =>
                `${x.id}\t${x.username}\tservice ${x.service}\t${x.status}\tqty ${x.quantity}${x.runs ? `×${x.runs}` : ''}\tremains ${x.remains}\tcharge ${x.charge}${x.refunded !== '0.00' ? ` (refunded ${x.refunded})` : ''}${x.cancel_requested ? '\tCANCEL REQUESTED' : ''}\t${x.dispatch}${x.upstream_order ? ` #${x.upstream_order}` : ''}\t${x.link ?? ''}${x.error ? `\t(${x.error})` : ''}`,
            ),
      );
    });
  orders
    .command('set')
    .description('move an order by hand (manual fulfilment); settles money like the engine')
    .requiredOption('--order <id>', 'order id')
    .requiredOption('--status <status>', 'Processing, "In progress", Completed, Partial or Canceled')
    .option('--remains <n>', 'what is not delivered (required for Partial)')
    .option('--start-count <n>', 'the count when delivery started')
    .option('--force', 'also for an order a provider has (or may have): the engine no longer settles it')
    .action(async (o) => {
      const orderId = idArg(o.order, 'order');
      const status = parseOrderStatus(o.status);
      if (status === null)
        throw new CliFailure(`unknown status "${o.status}" (use ${Object.values(API_STATUS).join(', ')})`);
      const remains = o.remains === undefined ? undefined : intArg(o.remains, 'remains');
      const startCount = o.startCount === undefined ? undefined : intArg(o.startCount, 'start count');
      const { db: k } = await database();
      // An order at a provider is settled by the engine from what the provider reports; moving it by
      // hand could refund the customer while the provider still delivers and bills us.
      const current = await k
        .selectFrom('orders')
        .select('dispatch_state')
        .where('id', '=', orderId)
        .executeTakeFirst();
      const atProvider = ['sending', 'sent', 'runs', 'review'].includes(current?.dispatch_state ?? '');
      if (atProvider && !o.force) {
        throw new CliFailure(
          `order ${orderId} is with its provider (${current?.dispatch_state}); the engine settles it (use --force to override, or orders review)`,
        );
      }
      const r = unwrap(await changeOrderStatus({ db: k, orderId, change: { status, remains, startCount } }));
      emit(
        {
          order: orderId,
          status: API_STATUS[r.order.status],
          remains: r.order.remains.toString(),
          refund: formatAmount(r.refundUnits),
          charge: formatAmount(r.order.chargeUnits),
        },
        `order ${orderId}: ${API_STATUS[r.order.status]}, remains ${r.order.remains}${r.refundUnits > 0n ? `, refunded ${formatAmount(r.refundUnits)}` : ''}`,
      );
    });

  program
    .command('refills')
    .description('refill requests')
    .command('set')
    .description('move a refill request (Pending, "In progress", Completed, Rejected, Canceled)')
    .requiredOption('--refill <id>', 'refill id')
    .requiredOption('--status <status>', 'new status')
    .action(async (o) => {
      const refillId = idArg(o.refill, 'refill');
      const status = parseRefillStatus(o.status);
      if (status === null)
        throw new CliFailure(
          `unknown status "${o.status}" (use ${Object.values(API_REFILL_STATUS).join(', ')})`,
        );
      const { db: k } = await database();
      unwrap(await setRefillStatus({ db: k, refillId, status }));
      emit(
        { refill: refillId, status: API_REFILL_STATUS[status] },
        `refill ${refillId}: ${API_REFILL_STATUS[status]}`,
      );
    });

  program
    .command('ledger')
    .description('the money ledger')
    .command('check')
    .description('recompute every balance and order from the ledger and report differences (exit 2 if any)')
    .action(async () => {
      const { db: k } = await database();
      const r = await checkLedger({ db: k });
      emit(
        { ok: r.problems.length === 0, users: r.users, orders: r.orders, problems: r.problems },
        r.problems.length === 0
          ? `ledger ok: ${r.users} users, ${r.orders} orders, every balance equals the sum of its entries`
          : [
              `ledger: ${r.problems.length} problem(s)`,
              ...r.problems.map(
                (p) =>
                  `  ${p.kind} user ${p.userId ?? '-'} order ${p.orderId ?? '-'}: expected ${p.expected}, found ${p.actual}`,
              ),
            ],
      );
      if (r.problems.length > 0) exitCode = 2;
    });

  const providers = program.command('providers').description('upstream panels that fulfil orders');
  providers
    .command('add')
    .description('connect an upstream panel and print its id')
    .requiredOption('--name <name>', 'a name for it')
    .requiredOption('--url <url>', 'its API v2 URL, e.g. https://panel.example/api/v2')
    .requiredOption('--key <key>', 'our API key at that panel (stored to call it; never printed)')
    .action(async (o) => {
      const { db: k } = await database();
      const r = unwrap(await addProvider({ db: k, name: o.name, url: o.url, apiKey: o.key }));
      emit({ id: r.id }, `added provider ${r.id}: ${o.name}`);
    });
  providers
    .command('list')
    .description('the providers and whether they are held')
    .action(async () => {
      const { db: k } = await database();
      const list = await listProviders(k);
      const rows = list.map((p) => ({
        id: p.id,
        name: p.name,
        url: p.url,
        state: p.state,
        heldReason: p.heldReason,
      }));
      emit(
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
      const { db: k } = await database();
      const r = unwrap(await getProviderBalance({ db: k, providerId: idArg(o.provider, 'provider') }));
      emit(
        { provider: Number(o.provider), balance: r.balance, currency: r.currency },
        `balance: ${r.balance} ${r.currency ?? ''}`.trim(),
      );
    });
  providers
    .command('services')
    .description("a provider's services")
    .requiredOption('--provider <id>', 'provider id')
    .action(async (o) => {
      const { db: k } = await database();
      const r = unwrap(await getProviderServices({ db: k, providerId: idArg(o.provider, 'provider') }));
      emit(
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
      const { db: k } = await database();
      const id = idArg(o.provider, 'provider');
      if (!(await findProvider(k, id))) throw new CliFailure('Provider not found');
      const n = await resumeProvider(k, id);
      emit({ provider: id, requeued: n }, `provider ${id} resumed; ${n} held order(s) queued`);
    });
  providers
    .command('set')
    .description("change a provider's URL or key")
    .requiredOption('--provider <id>', 'provider id')
    .option('--url <url>', 'new API v2 URL')
    .option('--key <key>', 'new API key at that panel')
    .action(async (o) => {
      const { db: k } = await database();
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
      emit({ provider: id }, `provider ${id} updated`);
    });

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
    .action(async (o) => {
      const { db: k } = await database();
      const ids =
        o.ids === undefined
          ? undefined
          : String(o.ids)
              .split(',')
              .map((x: string) => x.trim())
              .filter(Boolean);
      const r = unwrap(
        await importServices({
          db: k,
          providerId: idArg(o.provider, 'provider'),
          markupPercent: o.markup,
          category: o.category,
          ids,
          dripfeed: !!o.dripfeed,
        }),
      );
      emit({ ...r }, [
        `imported: ${r.created.length} new, ${r.updated.length} updated, ${r.disabled.length} disabled (vanished upstream)`,
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
      const { db: k } = await database();
      const r = unwrap(await updateService({ db: k, serviceId: idArg(o.service, 'service'), changes }));
      emit({ id: r.id }, `service ${r.id} updated`);
    });

  orders
    .command('review')
    .description(
      'orders whose send had an unknown outcome; resolve one with --order and one of --sent/--not-sent/--cancel',
    )
    .option('--order <id>', 'the order to resolve')
    .option('--sent <upstreamId>', 'the provider has it, under this order id: follow it')
    .option('--not-sent', 'the provider does not have it: send it again')
    .option('--cancel', 'the provider does not have it: cancel it and refund the customer')
    .action(async (o) => {
      const { db: k } = await database();
      if (o.order === undefined) {
        const list = await listOrders(k, { dispatchState: 'review', limit: 1000 });
        emit(
          {
            orders: list.map((x) => ({
              id: x.id,
              username: x.username,
              provider: x.providerId,
              link: x.link,
              quantity: x.quantity.toString(),
              error: x.lastError,
            })),
          },
          list.length === 0
            ? ['no orders to review']
            : list.map(
                (x) =>
                  `${x.id}\t${x.username}\tprovider ${x.providerId}\t${x.link ?? ''}\tqty ${x.quantity}\t${x.lastError ?? ''}`,
              ),
        );
        return;
      }
      const chosen = [o.sent !== undefined, !!o.notSent, !!o.cancel].filter(Boolean).length;
      if (chosen !== 1) throw new CliFailure('give exactly one of --sent UPSTREAM_ID, --not-sent, --cancel');
      const resolution =
        o.sent !== undefined
          ? { kind: 'sent' as const, upstreamOrderId: String(o.sent) }
          : o.notSent
            ? { kind: 'not_sent' as const }
            : { kind: 'cancel' as const };
      const orderId = idArg(o.order, 'order');
      unwrap(await resolveReview({ db: k, orderId, resolution }));
      emit(
        { order: orderId, resolution: resolution.kind },
        `order ${orderId}: ${resolution.kind.replace('_', ' ')}`,
      );
    });

  const alerts = program.command('alerts').description('what the engine needs the operator to look at');
  alerts
    .command('list')
    .description('open alerts (--all for resolved ones too)')
    .option('--all', 'include resolved alerts')
    .action(async (o) => {
      const { db: k } = await database();
      const rows = (await listAlerts({ db: k, includeResolved: !!o.all })).map((a) => ({
        id: a.id,
        kind: a.kind,
        provider: a.providerId,
        order: a.orderId,
        message: a.message,
        created_at: new Date(a.createdAt).toISOString(),
        resolved: a.resolvedAt !== null,
      }));
      emit(
        { alerts: rows },
        rows.length === 0
          ? ['no open alerts']
          : rows.map((a) => `${a.id}\t${a.created_at}\t${a.kind}\t${a.message}`),
      );
    });
  alerts
    .command('resolve')
    .description('mark an alert as dealt with')
    .requiredOption('--alert <id>', 'alert id')
    .action(async (o) => {
      const { db: k } = await database();
      const id = idArg(o.alert, 'alert');
      unwrap(await resolveAlert({ db: k, alertId: id }));
      emit({ alert: id, resolved: true }, `alert ${id} resolved`);
    });

  const settings = program.command('settings').description('panel-wide settings');
  settings
    .command('show')
    .description('show the settings')
    .action(async () => {
      const { db: k } = await database();
      const currency = await getCurrency(k);
      emit({ currency }, `currency: ${currency}`);
    });
  settings
    .command('set')
    .description('change settings')
    .requiredOption('--currency <code>', 'ISO 4217 code reported by balance and status, e.g. USD, EUR')
    .action(async (o) => {
      const { db: k } = await database();
      if (!(await setCurrency(k, o.currency)))
        throw new CliFailure('currency must be a 3-letter ISO code in capitals, e.g. EUR');
      emit({ currency: o.currency }, `currency: ${o.currency}`);
    });

  let exitCode = 0;
  try {
    await program.parseAsync(argv, { from: 'user' });
    jsonMode = !!program.opts().json;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit with 0; usage errors were already printed by commander.
      exitCode = err.exitCode === 0 ? 0 : 64;
      if (exitCode !== 0 && jsonMode) io.out(toJson({ error: err.message.replace(/^error: /, '') }));
    } else {
      const message = err instanceof Error ? err.message : String(err);
      if (jsonMode) io.out(toJson({ error: message }));
      else io.err(`smm-panel: ${message}`);
      exitCode = 1;
    }
  } finally {
    if (db) await (db as Db).close();
  }
  return exitCode;
}
