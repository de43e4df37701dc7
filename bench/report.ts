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
/** autocannon's latency histogram has a resolution of 1 ms. */
const ms = (n: number) => (n < 1 ? '<1' : Math.round(n).toString());
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
