/**
 * The process's own metrics (Prometheus, prom-client): counters and latency histograms of what this
 * process did: API v2 requests it answered, upstream calls it made. They start at zero with the process;
 * Prometheus' rate() and increase() handle restarts. What the database says (orders by status, queues,
 * review cases, alerts, held providers) is read at each scrape instead (read-gauges.ts).
 */
import { isMainThread } from 'node:worker_threads';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export const processRegistry = new Registry();
// The process's figures (CPU, memory, event loop) once, from its main thread: the engine's thread
// reports only its counters (engineRegistry).
if (isMainThread) collectDefaultMetrics({ register: processRegistry, prefix: 'smm_' });

/** API v2 requests by action (`none` when unknown or before authentication) and outcome. */
export const apiRequests = new Counter({
  name: 'smm_api_requests_total',
  help: 'API v2 requests answered, by action and outcome (ok, error, invalid_key, rate_limited, internal)',
  labelNames: ['action', 'outcome'] as const,
  registers: [processRegistry],
});

export const apiLatency = new Histogram({
  name: 'smm_api_request_duration_seconds',
  help: 'Time to answer an API v2 request, by action',
  labelNames: ['action'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [processRegistry],
});

/**
 * What the fulfilment engine counts, in a registry of its own: `npm start` runs the engine in a thread
 * (worker/engine-thread.ts), whose counters are added to this process's at each scrape. The panel's
 * own thread counts here too (an operator's provider test, an import of services).
 */
export const engineRegistry = new Registry();

/** A registry's metrics as values (getMetricsAsJSON), as the engine's thread sends them. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Calls to upstream panels by provider, API action and transport outcome (upstream/client.ts). */
export const upstreamCalls = new Counter({
  name: 'smm_upstream_calls_total',
  help: 'Calls to upstream panels, by provider, action and outcome (ok, not_sent, http_refused, unknown, empty)',
  labelNames: ['provider', 'action', 'outcome'] as const,
  registers: [engineRegistry],
});

export const upstreamLatency = new Histogram({
  name: 'smm_upstream_call_duration_seconds',
  help: 'Time an upstream call took, by provider and action',
  labelNames: ['provider', 'action'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [engineRegistry],
});
