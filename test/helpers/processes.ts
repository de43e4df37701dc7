/**
 * Real processes for the fulfilment tests: the compiled `smm-panel` binary started as child processes
 * (each in its own process group, so a kill reaches everything it started), a recording upstream
 * panel speaking API v2 on 127.0.0.1, and a seeded random generator.
 *
 * Every child started here is remembered until it exits; `killAllChildren()` (call it in afterAll)
 * SIGKILLs the group of every child still running, and a process 'exit' hook does the same as a last
 * resort, so a failing or timed-out test leaves nothing behind.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/dev/seeded-random.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The binary under test; SMM_PANEL_BIN points at another build (e.g. a mutated copy, to see a test fail). */
export const BIN =
  process.env.SMM_PANEL_BIN ?? fileURLToPath(new URL('../../bin/smm-panel.js', import.meta.url));

/** The binary runs the compiled code: fail early with a clear message when it was never built. */
export function assertBuilt(): void {
  if (!existsSync(fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url)))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does it for you)');
  }
}

export { seededRandom };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `check` until it returns a value other than undefined/false, or fail after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** stdout and stderr, line by line, as they arrive. */
  lines: string[];
  stdoutLines: string[];
  exited: Promise<ExitInfo>;
  running(): boolean;
  /** Resolve with the first line (already seen or still to come) matching `re`. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Signal the child's whole process group. */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, and SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

const live = new Set<Child>();

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) killGroup(c.pid, 'SIGKILL');
  });
}

/** Start `node bin/smm-panel.js ...args` in its own process group. */
export function spawnCli(name: string, args: string[], env: Record<string, string>): Child {
  return spawnNode(name, BIN, args, env);
}

/** Start `node script ...args` (e.g. dist/src/main.js, what `npm start` runs) in its own process group. */
export function spawnNode(name: string, script: string, args: string[], env: Record<string, string>): Child {
  installExitHook();
  const proc = spawn(process.execPath, [script, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = proc.pid;
  const lines: string[] = [];
  const stdoutLines: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onLine = (line: string, fromStdout: boolean) => {
    lines.push(line);
    if (fromStdout) stdoutLines.push(line);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      const m = w ? line.match(w.re) : null;
      if (w && m) {
        waiters.splice(i, 1);
        w.resolve(m);
      }
    }
  };
  const reader = (stream: NodeJS.ReadableStream | null, fromStdout: boolean) => {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        onLine(buf.slice(0, nl), fromStdout);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
      }
    });
    stream?.on('end', () => {
      if (buf) onLine(buf, fromStdout);
      buf = '';
    });
  };
  reader(proc.stdout, true);
  reader(proc.stderr, false);
  let done = false;
  const child: Child = {
    name,
    pid,
    proc,
    lines,
    stdoutLines,
    exited: new Promise<ExitInfo>((resolve) => {
      proc.on('exit', (code, signal) => {
        done = true;
        live.delete(child);
        // Anything the child itself started must not outlive it.
        killGroup(pid, 'SIGKILL');
        resolve({ code, signal });
      });
    }),
    running: () => !done,
    waitForLine(re, timeoutMs) {
      for (const l of lines) {
        const m = l.match(re);
        if (m) return Promise.resolve(m);
      }
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        const t = setTimeout(() => {
          const i = waiters.findIndex((w) => w.resolve === ok);
          if (i >= 0) waiters.splice(i, 1);
          reject(
            new Error(
              `${name}: no line matching ${re} within ${timeoutMs} ms${done ? ' (it exited)' : ''}; output:\n${lines.slice(-30).join('\n')}`,
            ),
          );
        }, timeoutMs);
        const ok = (m: RegExpMatchArray) => {
          clearTimeout(t);
          resolve(m);
        };
        waiters.push({ re, resolve: ok });
      });
    },
    signal(sig) {
      if (!done) killGroup(pid, sig);
    },
    async stop(graceMs = 5000) {
      if (done) return child.exited;
      killGroup(pid, 'SIGTERM');
      const t = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      const info = await child.exited;
      clearTimeout(t);
      return info;
    },
  };
  live.add(child);
  return child;
}

/** SIGKILL every child still running and wait for them to be gone. */
export async function killAllChildren(): Promise<void> {
  const all = [...live];
  for (const c of all) c.signal('SIGKILL');
  await Promise.all(all.map((c) => Promise.race([c.exited, sleep(5000)])));
}

/** Run one CLI command to its end (bounded); `json()` parses its --json answer. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected by the tests
): Promise<{ code: number | null; stdout: string; stderr: string; json(): any }> {
  const c = spawnCli(`smm-panel ${args.join(' ')}`, args, env);
  const t = setTimeout(() => c.signal('SIGKILL'), timeoutMs);
  const info = await c.exited;
  clearTimeout(t);
  // Give the stream readers a tick to flush the last line.
  await new Promise((r) => setImmediate(r));
  const stdout = c.stdoutLines.join('\n');
  const stderr = c.lines.filter((l) => !c.stdoutLines.includes(l)).join('\n');
  return {
    code: info.code,
    stdout,
    stderr,
    json() {
      try {
        return JSON.parse(stdout);
      } catch {
        throw new Error(
          `smm-panel ${args.join(' ')} (exit ${info.code}) printed no JSON:\n${stdout}\n${stderr}`,
        );
      }
    },
  };
}

/** `runCli` that insists on exit code 0 and returns the parsed JSON. */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected by the tests
export async function cliJson(args: string[], env: Record<string, string>): Promise<any> {
  const r = await runCli(['--json', ...args], env);
  if (r.code !== 0)
    throw new Error(`smm-panel ${args.join(' ')} failed (exit ${r.code}): ${r.stdout} ${r.stderr}`);
  return r.json();
}

// ---------------------------------------------------------------------------------------------------
// A recording upstream panel.

export interface RecordedAdd {
  id: number;
  link: string;
  service: string;
  quantity: number;
  at: number;
}

export type Outcome = 'Completed' | 'Partial' | 'Canceled';

export interface RecordingUpstreamOptions {
  key?: string;
  /** The upstream service's rate (per 1000). */
  rate?: string;
  /** Random delay before each answer, 0..maxDelayMs (the request is recorded before the delay). */
  maxDelayMs?: number;
  /** Extra delay for `add` answers (after recording), e.g. to make sends slow. */
  addDelayMs?: number;
  /** How long an upstream order stays In progress before it ends. */
  progressMs?: number;
  /** The final status of an upstream order (default: every 10th Partial, every 10th Canceled). */
  outcome?: (id: number) => Outcome;
  seed?: number;
}

export interface RecordingUpstream {
  url: string;
  key: string;
  adds: RecordedAdd[];
  /** Every status request: how many ids it asked for. */
  statusCalls: number[];
  addsByLink(): Map<string, RecordedAdd[]>;
  /** What this upstream reports now for one of its orders. */
  view(id: number): { status: string; remains: string; start_count: string; charge: string } | null;
  close(): Promise<void>;
}

export const defaultOutcome = (id: number): Outcome =>
  id % 10 === 3 ? 'Partial' : id % 10 === 7 ? 'Canceled' : 'Completed';

/** The remains an upstream order reports when it ends Partial. */
export const partialRemains = (quantity: number) => Math.max(1, Math.floor(quantity / 3));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export async function startRecordingUpstream(
  opts: RecordingUpstreamOptions = {},
): Promise<RecordingUpstream> {
  const key = opts.key ?? 'upstream-key';
  const rate = opts.rate ?? '0.9876';
  const maxDelay = opts.maxDelayMs ?? 0;
  const progressMs = opts.progressMs ?? 300;
  const outcome = opts.outcome ?? defaultOutcome;
  const rnd = seededRandom(opts.seed ?? 1);
  const adds: RecordedAdd[] = [];
  const byId = new Map<number, RecordedAdd>();
  const statusCalls: number[] = [];
  let nextId = 5000;

  const view = (id: number) => {
    const o = byId.get(id);
    if (!o) return null;
    const age = Date.now() - o.at;
    const base = { start_count: '100', charge: '0.01', currency: 'USD' };
    if (age < progressMs / 3) return { ...base, status: 'Pending', remains: String(o.quantity) };
    if (age < progressMs)
      return { ...base, status: 'In progress', remains: String(Math.ceil(o.quantity / 2)) };
    const end = outcome(id);
    if (end === 'Completed') return { ...base, status: 'Completed', remains: '0' };
    if (end === 'Partial') return { ...base, status: 'Partial', remains: String(partialRemains(o.quantity)) };
    return { ...base, status: 'Canceled', remains: String(o.quantity) };
  };

  const handle = (p: URLSearchParams): { answer: unknown; extraDelay: number } => {
    if (p.get('key') !== key) return { answer: { error: 'Invalid API key' }, extraDelay: 0 };
    switch (p.get('action')) {
      case 'balance':
        return { answer: { balance: '100000.00', currency: 'USD' }, extraDelay: 0 };
      case 'services':
        return {
          answer: [
            {
              service: 1,
              name: 'Recorded followers',
              type: 'Default',
              category: 'Test',
              rate,
              min: 10,
              max: 100000,
              dripfeed: false,
              refill: false,
              cancel: false,
            },
          ],
          extraDelay: 0,
        };
      case 'add': {
        const link = p.get('link');
        const quantity = Number(p.get('quantity'));
        if (!link) return { answer: { error: 'Missing parameter: link' }, extraDelay: 0 };
        if (!Number.isSafeInteger(quantity) || quantity < 10)
          return { answer: { error: 'Incorrect quantity' }, extraDelay: 0 };
        const rec = { id: nextId++, link, service: p.get('service') ?? '', quantity, at: Date.now() };
        adds.push(rec);
        byId.set(rec.id, rec);
        return { answer: { order: rec.id }, extraDelay: opts.addDelayMs ?? 0 };
      }
      case 'status': {
        const list = (p.get('orders') ?? p.get('order') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .slice(0, 100);
        statusCalls.push(list.length);
        if (p.get('orders') === null) {
          return { answer: view(Number(list[0])) ?? { error: 'Incorrect order ID' }, extraDelay: 0 };
        }
        const out: Record<string, unknown> = {};
        for (const id of list) out[id] = view(Number(id)) ?? { error: 'Incorrect order ID' };
        return { answer: out, extraDelay: 0 };
      }
      default:
        return { answer: { error: 'Incorrect request' }, extraDelay: 0 };
    }
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const params = new URLSearchParams(body);
      for (const [k, v] of query) if (!params.has(k)) params.set(k, v);
      const { answer, extraDelay } = handle(params);
      const delay = Math.floor(rnd() * (maxDelay + 1)) + extraDelay;
      if (delay > 0) await sleep(delay);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  // A client killed mid-request resets its socket: that is expected here, not a server fault.
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v2`,
    key,
    adds,
    statusCalls,
    addsByLink() {
      const m = new Map<string, RecordedAdd[]>();
      for (const a of adds) {
        const l = m.get(a.link) ?? [];
        l.push(a);
        m.set(a.link, l);
      }
      return m;
    },
    view,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
