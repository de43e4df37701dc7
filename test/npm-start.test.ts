/**
 * `npm start` (dist/src/main.js) as a service manager stops it: SIGTERM, and a SIGINT right behind it
 * (a terminal's Ctrl-C during a stop, or a supervisor that sends both), make one clean stop: the
 * engine's thread stops, the database closes (SQLite leaves no -wal or -shm file), exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, REPO_ROOT } from './helpers/processes.js';

function startMain(env: Record<string, string>): {
  proc: ChildProcess;
  lines: string[];
  waitFor(re: RegExp): Promise<void>;
} {
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'main.js')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiting: { re: RegExp; resolve: () => void }[] = [];
  const read = (stream: NodeJS.ReadableStream | null) => {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        for (const w of waiting.filter((x) => x.re.test(line))) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  };
  read(proc.stdout);
  read(proc.stderr);
  return {
    proc,
    lines,
    waitFor: (re) =>
      lines.some((l) => re.test(l))
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`no line ${re} in:\n${lines.join('\n')}`)),
              30_000,
            );
            waiting.push({
              re,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            });
          }),
  };
}

describe('npm start and its signals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smm-npm-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM then SIGINT at once: one clean stop, exit 0, the database closed', async () => {
    assertBuilt();
    const main = startMain({
      DATABASE_URL: `sqlite:${join(dir, 'panel.db')}`,
      DATA_DIR: dir,
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    try {
      await main.waitFor(/running on sqlite at http/);
      await main.waitFor(/"msg":"worker started"/);
      const exited = new Promise<number | null>((resolve) => main.proc.once('exit', (code) => resolve(code)));
      main.proc.kill('SIGTERM');
      main.proc.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(main.lines.filter((l) => l.includes('"msg":"worker stopped"'))).toHaveLength(1);
      expect(main.lines.join('\n')).not.toMatch(/while stopping|Unhandled|ERR_/);
      const left = readdirSync(dir).filter((f) => f.startsWith('panel.db'));
      expect(left).toEqual(['panel.db']);
    } finally {
      if (main.proc.exitCode === null && main.proc.signalCode === null) main.proc.kill('SIGKILL');
    }
    expect(existsSync(join(dir, 'first-start.txt'))).toBe(true);
  });
});
