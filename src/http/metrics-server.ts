/**
 * The Prometheus endpoint, on its own listener (METRICS_PORT, on METRICS_HOST, 127.0.0.1 by default),
 * never on the panel's public port: `GET /metrics` in the text format. It serves this process's counters
 * and histograms (src/metrics/registry.ts) and, read at each scrape, what the database says
 * (src/metrics/read-gauges.ts). API processes and `smm-panel worker` processes each have one.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry, Gauge, Registry } from 'prom-client';
import type { Executor } from '../db/executor.js';
import { type Gauges, readGauges } from '../metrics/read-gauges.js';
import { engineRegistry, type MetricsJson, processRegistry } from '../metrics/registry.js';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** The database's numbers as gauges, in a registry made for one scrape. */
function gaugeRegistry(g: Gauges): Registry {
  const reg = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [reg] });
  const orders = gauge('smm_orders', 'Customer orders by status', ['status']);
  for (const r of g.ordersByStatus) orders.set({ status: r.status }, r.n);
  const dispatch = gauge('smm_orders_by_dispatch_state', 'Customer orders by dispatch state', ['state']);
  for (const r of g.ordersByDispatch) dispatch.set({ state: r.state }, r.n);
  gauge('smm_review_orders', 'Orders in review: a send with an unknown outcome waits for the operator').set(
    g.ordersByDispatch.find((r) => r.state === 'review')?.n ?? 0,
  );
  gauge('smm_engine_due_sends', 'Orders due to be sent to their provider now').set(g.dueSends);
  gauge('smm_engine_send_lag_seconds', 'How long the oldest order due to be sent has waited').set(
    g.sendLagSeconds,
  );
  gauge('smm_engine_due_checks', 'Orders whose status check at the provider is due').set(g.dueChecks);
  gauge('smm_engine_check_lag_seconds', 'How long the oldest due status check has waited').set(
    g.checkLagSeconds,
  );
  gauge('smm_alerts_open', 'Alerts not yet resolved').set(g.openAlerts);
  const providers = gauge('smm_providers', 'Providers by state (active, held, disabled)', ['state']);
  for (const r of g.providersByState) providers.set({ state: r.state }, r.n);
  gauge('smm_providers_held', 'Providers held: our account there refused orders').set(
    g.providersByState.find((r) => r.state === 'held')?.n ?? 0,
  );
  gauge('smm_cancel_requests_open', 'Cancel requests not yet carried out').set(g.openCancels);
  gauge('smm_refills_open', 'Refill requests still open').set(g.openRefills);
  const payments = gauge(
    'smm_payments_pending',
    'Payments pending: manual ones wait for an admin, gateway ones for the gateway',
    ['kind'],
  );
  payments.set({ kind: 'manual' }, g.paymentsPending.manual);
  payments.set({ kind: 'gateway' }, g.paymentsPending.gateway);
  return reg;
}

export async function startMetricsServer(opts: {
  db: Executor;
  port: number;
  host: string;
  /** The engine's thread (npm start): its counters are added to this process's. */
  engine?: { metrics(): Promise<MetricsJson> } | undefined;
}): Promise<MetricsServer> {
  // The engine's counters: this thread's, plus the engine thread's when there is one (summed by
  // labels). A thread that does not answer fails the scrape rather than have counters seem to drop.
  const engineMetrics = async (): Promise<Registry> => {
    if (!opts.engine) return engineRegistry;
    const [own, thread] = await Promise.all([engineRegistry.getMetricsAsJSON(), opts.engine.metrics()]);
    return AggregatorRegistry.aggregate([own, thread]);
  };
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    Promise.all([readGauges({ db: opts.db }), engineMetrics()])
      .then(([g, engine]) => Registry.merge([processRegistry, engine, gaugeRegistry(g)]).metrics())
      .then(
        (text) => res.writeHead(200, { 'content-type': processRegistry.contentType }).end(text),
        (err: unknown) => {
          res
            .writeHead(503, { 'content-type': 'text/plain' })
            .end(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`);
        },
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
