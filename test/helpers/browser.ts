/**
 * The browser tests' harness: a real panel process (the built `smm-panel serve`, no worker) on
 * 127.0.0.1 with its own SQLite file, Debian's chromium driven by playwright-core, the operator's CLI
 * on the panel's database, and screenshots at phone and desktop size in test/screenshots/.
 *
 *   const web = browserSuite('orders');      // inside a describe: starts in beforeAll, stops in afterAll
 *   it('...', async () => { const page = await web.newPage(PHONE); ... await web.shot(page, 'orders'); });
 *
 * `describeBrowser` skips a suite loudly when /usr/bin/chromium is missing (`.ci/run` installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, onTestFailed } from 'vitest';
import { type Db, openDatabase } from '../../src/db/connect.js';
import { runCliInProcess } from './cli.js';
import { assertBuilt, type Child, REPO_ROOT, spawnCli } from './processes.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(REPO_ROOT, 'test', 'screenshots');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** `describe` when chromium is there, else a loud skip. */
export function describeBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
  } else {
    console.warn(`${name}: ${CHROMIUM} is missing (apt-get install -y chromium); skipped`);
    describe.skip(name, body);
  }
}

export interface BrowserSuite {
  /** The panel's address, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** The panel's database, opened by the test (for seeding through use cases and repositories). */
  readonly db: Db;
  readonly dbUrl: string;
  readonly dataDir: string;
  /** The first-start operator's password (username `admin`). */
  readonly adminPassword: string;
  readonly browser: Browser;
  /**
   * A fresh browser context (no cookies) of this size, inside a test; a page error fails the test,
   * and a failed test saves a screenshot `failed-<test name>-<size>.png` of the page.
   */
  newPage(viewport: { width: number; height: number }): Promise<Page>;
  /** The operator's CLI on the panel's database, in-process. */
  cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }>;
  /** Save a full-page screenshot `<name>-<width>x<height>.png` in test/screenshots/. */
  shot(page: Page, name: string): Promise<void>;
  /** Sign in through the sign-in page and wait for the start page. */
  signIn(page: Page, username: string, password: string): Promise<void>;
}

/**
 * Starts a panel and chromium for the enclosing describe (beforeAll) and stops both (afterAll).
 * The returned object is filled in once beforeAll has run. `env` adds environment to the panel.
 */
export function browserSuite(name: string, env: Record<string, string> = {}): BrowserSuite {
  let dir = '';
  let panel: Child | undefined;
  let db: Db | undefined;
  let browser: Browser | undefined;
  const state = { url: '', dbUrl: '', adminPassword: '' };

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), `smm-web-${name}-`));
    state.dbUrl = `sqlite:${join(dir, 'panel.db')}`;
    panel = spawnCli(`web-${name}`, ['serve', '--no-worker', '--host', '127.0.0.1', '--port', '0'], {
      DATABASE_URL: state.dbUrl,
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      ...env,
    });
    const [, url] = (await panel.waitForLine(/running on sqlite at (http:\/\/\S+)/, 30_000)) as [
      string,
      string,
    ];
    state.url = url;
    await panel.waitForLine(/password and API key are in/, 5_000);
    state.adminPassword = /password: (\S+)/.exec(
      readFileSync(join(dir, 'first-start.txt'), 'utf8'),
    )?.[1] as string;
    db = await openDatabase(state.dbUrl);
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await db?.close();
    await panel?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined)
      throw new Error(`browserSuite(${name}): ${what} is not started (used before beforeAll?)`);
    return v;
  };

  return {
    get url() {
      return state.url;
    },
    get db() {
      return need(db, 'the database');
    },
    get dbUrl() {
      return state.dbUrl;
    },
    get dataDir() {
      return dir;
    },
    get adminPassword() {
      return state.adminPassword;
    },
    get browser() {
      return need(browser, 'chromium');
    },
    async newPage(viewport) {
      const context = await need(browser, 'chromium').newContext({
        viewport,
        reducedMotion: 'reduce',
        baseURL: state.url,
      });
      const page = await context.newPage();
      page.on('pageerror', (err) => {
        throw err;
      });
      // A failing test leaves a picture of where it stood: test/screenshots/failed-<test>-<size>.png
      const test = (expect.getState().currentTestName ?? name)
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .slice(0, 80);
      onTestFailed(async () => {
        if (!page.isClosed()) await this.shot(page, `failed-${test}`).catch(() => undefined);
      });
      return page;
    },
    cli: (args) => runCliInProcess(state.dbUrl, args),
    async shot(page, shotName) {
      const size = page.viewportSize();
      // From the top: a full-page picture of a scrolled page draws the sticky header mid-page.
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({
        path: join(SHOTS, `${shotName}-${size?.width}x${size?.height}.png`),
        fullPage: true,
      });
    },
    async signIn(page, username, password) {
      await page.goto('/sign-in');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'New order' }).waitFor();
    },
  };
}
