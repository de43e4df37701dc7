/**
 * Start time: from spawning `node dist/src/main.js` on an already migrated database to its first
 * `GET /ready` answered 200 (HTTP up, schema current, its worker's first heartbeat written), next to
 * the ceiling measured in the same run: a node process that imports Fastify and answers one route.
 * Each is started START_RUNS times; the table shows the median and the slowest run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StartRow {
  what: string;
  medianMs: number;
  maxMs: number;
  runs: number;
}

const CEILING_SCRIPT = `
import Fastify from 'fastify';
const app = Fastify({ logger: false });
app.get('/ready', async () => ({ ready: true }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Spawn, poll /ready every 5 ms until 200; the time from spawn to that answer. */
async function timeOneStart(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  try {
    while (performance.now() - started < timeoutMs) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/ready`);
        if (r.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`not ready within ${timeoutMs} ms`);
  } finally {
    await stop(child);
  }
}

async function measure(what: string, runs: number, once: () => Promise<number>): Promise<StartRow> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return { what, medianMs: times[Math.floor(times.length / 2)] ?? 0, maxMs: times.at(-1) ?? 0, runs };
}

/**
 * The ceiling, then the panel on each database URL given (`sqlite` gets a fresh file here; a Postgres
 * URL must name an empty database). The first start migrates and creates the operator; it is not
 * counted.
 */
export async function benchStart(opts: {
  runs: number;
  postgresUrl: string | null;
  log: (line: string) => void;
}): Promise<StartRow[]> {
  const rows: StartRow[] = [];
  opts.log('start time: the ceiling (node + Fastify, one route)');
  rows.push(
    await measure('bare Fastify process (ceiling)', opts.runs, () =>
      timeOneStart(['--input-type=module', '-e', CEILING_SCRIPT], {}),
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'smm-bench-start-'));
  try {
    const targets: [string, string][] = [['sqlite', `sqlite:${join(dir, 'panel.db')}`]];
    if (opts.postgresUrl) targets.push(['postgres', opts.postgresUrl]);
    for (const [kind, url] of targets) {
      const env = { DATABASE_URL: url, DATA_DIR: dir };
      opts.log(`start time: the panel on ${kind} (first start migrates, not counted)`);
      await timeOneStart(['dist/src/main.js'], env);
      rows.push(
        await measure(`npm start's panel on ${kind}, migrated, to /ready`, opts.runs, () =>
          timeOneStart(['dist/src/main.js'], env),
        ),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function startReport(rows: StartRow[], markdown: boolean): string {
  const ceiling = rows[0]?.medianMs ?? null;
  const ratio = (ms: number) => (ceiling ? `${(ms / ceiling).toFixed(2)}x` : '-');
  if (markdown) {
    return [
      '| start | median ms | slowest ms | runs | vs ceiling |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.what} | ${r.medianMs.toFixed(0)} | ${r.maxMs.toFixed(0)} | ${r.runs} | ${ratio(r.medianMs)} |`,
      ),
    ].join('\n');
  }
  const w = Math.max(...rows.map((r) => r.what.length), 5);
  return [
    `${'start'.padEnd(w)}  median ms  slowest ms  runs  vs ceiling`,
    ...rows.map(
      (r) =>
        `${r.what.padEnd(w)}  ${r.medianMs.toFixed(0).padStart(9)}  ${r.maxMs.toFixed(0).padStart(10)}  ${String(r.runs).padStart(4)}  ${ratio(r.medianMs).padStart(10)}`,
    ),
  ].join('\n');
}
