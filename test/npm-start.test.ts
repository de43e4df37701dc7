/**
 * `npm start` (dist/src/main.js) as a service manager stops it: SIGTERM, and a SIGINT right behind it
 * (a terminal's Ctrl-C during a stop, or a supervisor that sends both), make one clean stop: the
 * engine's thread stops, the database closes (SQLite leaves no -wal or -shm file), exit code 0.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, killAllChildren, REPO_ROOT, spawnNode } from './helpers/processes.js';

describe('npm start and its signals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smm-npm-start-'));
  afterAll(async () => {
    await killAllChildren();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM then SIGINT at once: one clean stop, exit 0, the database closed', async () => {
    assertBuilt();
    const main = spawnNode('npm start', join(REPO_ROOT, 'dist', 'src', 'main.js'), [], {
      DATABASE_URL: `sqlite:${join(dir, 'panel.db')}`,
      DATA_DIR: dir,
      PORT: '0',
    });
    await main.waitForLine(/running on sqlite at http/, 30_000);
    await main.waitForLine(/"msg":"worker started"/, 30_000);
    main.signal('SIGTERM');
    main.signal('SIGINT');
    expect(await main.exited).toEqual({ code: 0, signal: null });
    expect(main.lines.filter((l) => l.includes('"msg":"worker stopped"'))).toHaveLength(1);
    expect(main.lines.join('\n')).not.toMatch(/while stopping|Unhandled|ERR_/);
    const left = readdirSync(dir).filter((f) => f.startsWith('panel.db'));
    expect(left).toEqual(['panel.db']);
    expect(existsSync(join(dir, 'first-start.txt'))).toBe(true);
  });
});
