/** The results as an aligned text table (for the terminal) and as markdown (for docs/benchmarks.md). */

export interface Row {
  scenario: string;
  database: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Errors, timeouts, non-2xx answers and answers that failed the scenario's check. */
  bad: number;
  total: number;
  cpu: { server: number | null; loadgen: number; postgres: number | null; other: number | null };
}

export interface Ceilings {
  get: number | null;
  post: number | null;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** Latencies are measured per answer (bench/run.ts cannon); tenths below 10 ms, whole ms above. */
export const ms = (n: number) => (n < 10 ? n.toFixed(1) : Math.round(n).toString());
const ratio = (n: number, of: number | null) => (of ? (n / of).toFixed(2) : '-');
const pct = (n: number | null) => (n === null ? '-' : `${Math.round(n)}%`);

function mainColumns(rows: Row[], c: Ceilings): { head: string[]; body: string[][]; right: boolean[] } {
  return {
    head: ['scenario', 'database', 'req/s', 'p50 ms', 'p99 ms', '÷ GET ceiling', '÷ POST ceiling', 'failed'],
    right: [false, false, true, true, true, true, true, true],
    body: rows.map((r) => [
      r.scenario,
      r.database,
      int(r.reqPerSec),
      ms(r.p50Ms),
      ms(r.p99Ms),
      ratio(r.reqPerSec, c.get),
      ratio(r.reqPerSec, c.post),
      r.bad === 0 ? '0' : `${r.bad} of ${r.total}`,
    ]),
  };
}

function cpuColumns(rows: Row[]): { head: string[]; body: string[][]; right: boolean[] } {
  return {
    head: ['scenario', 'database', 'server', 'postgres', 'load generator', 'other processes'],
    right: [false, false, true, true, true, true],
    body: rows.map((r) => [
      r.scenario,
      r.database,
      pct(r.cpu.server),
      pct(r.cpu.postgres),
      pct(r.cpu.loadgen),
      pct(r.cpu.other),
    ]),
  };
}

function text(t: { head: string[]; body: string[][]; right: boolean[] }): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (t.right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.body.map(line)].join('\n');
}

function markdown(t: { head: string[]; body: string[][]; right: boolean[] }): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(t.head), line(t.right.map((r) => (r ? '---:' : '---'))), ...t.body.map(line)].join('\n');
}

export function textReport(rows: Row[], c: Ceilings): string {
  return [
    text(mainColumns(rows, c)),
    '',
    'CPU during each measurement (% of one core):',
    text(cpuColumns(rows)),
  ].join('\n');
}

export function markdownReport(rows: Row[], c: Ceilings): string {
  return [
    markdown(mainColumns(rows, c)),
    '',
    'CPU during each measurement, in % of one core:',
    '',
    markdown(cpuColumns(rows)),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The engine scenarios (bench/engine.ts)

export interface EngineRow {
  scenario: string;
  database: string;
  /** Worker processes (for the ceiling: one sequential client). */
  workers: number;
  /** Orders checked (sync, ceiling: ids asked) or sent (dispatch) during the measured window. */
  orders: number;
  seconds: number;
  ordersPerSec: number;
  callsPerSec: number;
  /** Whether the ratio column applies: sync rows and the ceiling rows themselves. */
  syncRatio: boolean;
  /** Warnings and errors the engine logged. */
  problems: number;
  /** What was verified afterwards (e.g. one upstream add per order), or what went wrong. */
  check: string;
  cpu: {
    server: number | null;
    peer: number | null;
    loadgen: number;
    postgres: number | null;
    other: number | null;
  };
}

/** A ratio with 3 decimals below 0.1, where 2 would round the Postgres sync rows to 0.00. */
const smallRatio = (n: number, of: number | null) =>
  of ? (n / of < 0.1 ? (n / of).toFixed(3) : (n / of).toFixed(2)) : '-';

function engineColumns(rows: EngineRow[], ceilingOrdersPerSec: number | null) {
  return {
    head: [
      'scenario',
      'database',
      'workers',
      'orders',
      'seconds',
      'orders/s',
      'upstream calls/s',
      '÷ sync ceiling',
      'engine warnings',
      'check',
    ],
    right: [false, false, true, true, true, true, true, true, true, false],
    body: rows.map((r) => [
      r.scenario,
      r.database,
      String(r.workers),
      int(r.orders),
      r.seconds.toFixed(1),
      int(r.ordersPerSec),
      int(r.callsPerSec),
      r.syncRatio ? smallRatio(r.ordersPerSec, ceilingOrdersPerSec) : '-',
      String(r.problems),
      r.check,
    ]),
  };
}

function engineCpuColumns(rows: EngineRow[]) {
  return {
    head: ['scenario', 'database', 'worker(s)', 'simulator', 'postgres', 'bench', 'other processes'],
    right: [false, false, true, true, true, true, true],
    body: rows.map((r) => [
      r.scenario,
      r.database,
      pct(r.cpu.server),
      pct(r.cpu.peer),
      pct(r.cpu.postgres),
      pct(r.cpu.loadgen),
      pct(r.cpu.other),
    ]),
  };
}

export function engineTextReport(rows: EngineRow[], ceilingOrdersPerSec: number | null): string {
  return [
    text(engineColumns(rows, ceilingOrdersPerSec)),
    '',
    'CPU during each engine measurement (% of one core):',
    text(engineCpuColumns(rows)),
  ].join('\n');
}

export function engineMarkdownReport(rows: EngineRow[], ceilingOrdersPerSec: number | null): string {
  return [
    markdown(engineColumns(rows, ceilingOrdersPerSec)),
    '',
    'CPU during each engine measurement, in % of one core:',
    '',
    markdown(engineCpuColumns(rows)),
  ].join('\n');
}
