/**
 * The first start's secrets stay out of logs: started with its output going to a pipe (a log), the
 * panel writes the operator's password and API key to a file only its user can read and names it;
 * the output itself never carries them. The credentials in the file work.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Child, spawnCli } from './helpers/processes.js';

describe('first start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smm-first-'));
  let panel: Child | undefined;
  afterAll(async () => {
    await panel?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the operator credentials to a 0600 file, not to the log, and they work', async () => {
    assertBuilt();
    const dataDir = join(dir, 'data');
    panel = spawnCli('first-start', ['serve', '--no-worker', '--port', '0'], {
      DATABASE_URL: `sqlite:${join(dataDir, 'panel.db')}`,
      DATA_DIR: dataDir,
    });
    const [, url] = await panel.waitForLine(/running on sqlite at (http:\/\/\S+)/, 30_000);
    const [, file] = await panel.waitForLine(/password and API key are in (\S+)/, 5_000);
    expect(file).toBe(join(dataDir, 'first-start.txt'));
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    const text = readFileSync(file!, 'utf8');
    const password = /password: (\S+)/.exec(text)?.[1];
    const key = /API key: +(\S+)/.exec(text)?.[1];
    expect(password).toMatch(/^\S{12,}$/);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    // A request, so that the log has a request line too; none of the output carries either secret.
    const res = await fetch(`${url}/api/v2`, {
      method: 'POST',
      body: new URLSearchParams({ key: key!, action: 'balance' }),
    });
    expect(await res.json()).toEqual({ balance: '0.00', currency: 'USD' });
    await panel.waitForLine(/"msg":"request"/, 5_000);
    const output = panel.lines.join('\n');
    expect(output).not.toContain(key!);
    expect(output).not.toContain(password!);
  });
});
