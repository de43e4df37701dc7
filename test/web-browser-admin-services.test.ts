/**
 * The admin Services pages in a real browser (chromium, a real panel process, a fake upstream panel
 * on 127.0.0.1): the first-start admin creates a service, moves its category up (API v2 `services`
 * follows), disables two services in one bulk change, and imports a provider's services: PREVIEWED
 * (nothing written), then APPLIED after a confirm, with the report shown. On the second size the
 * re-import's preview lists a changed rate and a hand-set rate kept. Support has no Services tab.
 * Screenshots at 390x844 and 1280x800 (look at them).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { browserSuite, DESKTOP, describeBrowser, PHONE, SHOTS } from './helpers/browser.js';
import { type ScriptedUpstream, startScriptedUpstream, upstreamService } from './helpers/engine.js';

const PASSWORD = 'correct horse battery';

describeBrowser('admin services in chromium', () => {
  const web = browserSuite('admin-services');
  let upstream: ScriptedUpstream;

  beforeAll(async () => {
    upstream = await startScriptedUpstream({
      services: [
        upstreamService(11, { name: 'Upstream likes', rate: '0.80', category: 'Imported' }),
        upstreamService(12, { name: 'Upstream views', rate: '0.0123', category: 'Imported', min: 100 }),
        upstreamService(13, { name: 'Upstream saves', rate: '2', category: 'Imported' }),
      ],
    });
    const add = await web.cli([
      '--json',
      'providers',
      'add',
      '--name',
      'Fast upstream',
      '--url',
      upstream.url,
      '--key',
      upstream.key,
    ]);
    expect(add.err).toEqual([]);
  });
  afterAll(async () => {
    await upstream?.close();
  });

  async function cliJson(...args: string[]) {
    const r = await web.cli(['--json', ...args]);
    expect(r.err).toEqual([]);
    return JSON.parse(r.out.join('\n'));
  }

  async function signIn(page: Page, username: string, password: string) {
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function openServices(page: Page) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Services' }).click();
    await page.getByRole('heading', { name: 'Services', exact: true }).waitFor();
  }

  /** The categories on the page, top to bottom. */
  const categoriesShown = (page: Page) => page.locator('section[aria-label] > header h2').allTextContents();

  /** The services API v2 answers to the first-start admin's key... as names, in order. */
  async function v2Names(): Promise<string[]> {
    const list = await cliJson('services', 'list');
    return (list.services as { name: string }[]).map((s) => s.name);
  }

  async function catalogueFlow(viewport: typeof PHONE, tag: string) {
    const cat = `Followers ${tag}`;
    const likes = `Likes ${tag}`;
    await cliJson(
      'services',
      'create',
      '--name',
      `Likes A ${tag}`,
      '--category',
      likes,
      '--rate',
      '1',
      '--min',
      '10',
      '--max',
      '1000',
    );
    await cliJson(
      'services',
      'create',
      '--name',
      `Likes B ${tag}`,
      '--category',
      likes,
      '--rate',
      '2',
      '--min',
      '10',
      '--max',
      '1000',
    );

    const page = await web.newPage(viewport);
    await signIn(page, 'admin', web.adminPassword);
    await openServices(page);

    // Create a service through the form: a new category goes last.
    await page.getByRole('link', { name: 'New service' }).click();
    await page.getByRole('heading', { name: 'New service' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill(`Real followers ${tag}`);
    await page.getByLabel('Category', { exact: true }).fill(cat);
    await page.getByLabel(/Rate per 1000/).fill('1.23456');
    await page.getByLabel('Min', { exact: true }).fill('50');
    await page.getByLabel('Max', { exact: true }).fill('5000');
    await page.getByLabel('Refill', { exact: true }).check();
    await page.getByRole('button', { name: 'Create' }).click();
    // A bad rate: the server's words, nothing saved.
    await page
      .getByRole('alert')
      .getByText('rate must be a non-negative decimal with at most 4 decimals')
      .waitFor();
    await page.getByLabel(/Rate per 1000/).fill('1.2345');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Services', exact: true }).waitFor();
    await page.getByRole('link', { name: `Real followers ${tag}` }).waitFor();
    let shown = await categoriesShown(page);
    expect(shown.indexOf(cat)).toBe(shown.indexOf(likes) + 1);

    // Move its category up: it comes before Likes on the page and in the customers' catalogue.
    await page.getByRole('button', { name: `Move ${cat} up` }).click();
    await expect
      .poll(async () => {
        shown = await categoriesShown(page);
        return shown.indexOf(cat) < shown.indexOf(likes);
      })
      .toBe(true);
    const names = await v2Names();
    expect(names.indexOf(`Real followers ${tag}`)).toBeLessThan(names.indexOf(`Likes A ${tag}`));
    // And a service within its category: B before A.
    await page.getByRole('button', { name: `Move Likes B ${tag} up` }).click();
    await expect
      .poll(async () => {
        const n = await v2Names();
        return n.indexOf(`Likes B ${tag}`) < n.indexOf(`Likes A ${tag}`);
      })
      .toBe(true);

    // Bulk: pick the two Likes services and turn them off.
    await web.shot(page, 'admin-services');
    await page.getByRole('checkbox', { name: `Pick all of ${likes}` }).check();
    await page.getByText('2 services picked').waitFor();
    // The bar at the bottom of the screen, as a thumb sees it.
    await page.screenshot({
      path: join(SHOTS, `admin-services-bulk-${viewport.width}x${viewport.height}.png`),
    });
    await page.getByRole('button', { name: 'Turn off', exact: true }).click();
    await page.getByRole('status').getByText('Done: 2 services changed.').waitFor();
    const after = await v2Names();
    expect(after).not.toContain(`Likes A ${tag}`);
    expect(after).not.toContain(`Likes B ${tag}`);
    await page.getByRole('link', { name: `Likes A ${tag}` }).waitFor();
    expect(await page.getByText('Off', { exact: true }).count()).toBeGreaterThanOrEqual(2);

    // Rename a category: a taken name is refused with the server's words, a new one is kept.
    await page.getByRole('button', { name: `Rename ${likes}` }).click();
    await page.getByLabel('New name of the category').fill(cat);
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('alert').getByText(`category ${cat} already exists`).waitFor();
    await page.getByLabel('New name of the category').fill(`${likes} & more`);
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('heading', { name: `${likes} & more` }).waitFor();

    // Edit: the form shows the service, a new name is saved.
    await page.getByRole('link', { name: `Real followers ${tag}` }).click();
    await page.getByRole('heading', { name: /^Service #\d+$/ }).waitFor();
    expect(await page.getByLabel(/Rate per 1000/).inputValue()).toBe('1.2345');
    await web.shot(page, 'admin-services-edit');
    await page.getByLabel('Name', { exact: true }).fill(`Real followers ${tag} HQ`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: `Real followers ${tag} HQ` }).waitFor();
    await page.context().close();
  }

  async function importFlow(viewport: typeof PHONE, first: boolean) {
    const page = await web.newPage(viewport);
    await signIn(page, 'admin', web.adminPassword);
    await openServices(page);
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Import services' }).waitFor();
    await page.getByLabel('Provider', { exact: true }).selectOption({ label: 'Fast upstream' });
    await page.getByLabel('Markup %').fill('25');
    const before = (await cliJson('services', 'list', '--all')).services.length;
    const calls = upstream.callsOf('services').length;
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Preview' });
    if (first) {
      await preview.getByRole('heading', { name: 'Added (3)' }).waitFor();
      // 0.0123 × 1.25 = 0.015375 -> 0.0154 (half up).
      await preview.getByText(/rate 0\.0154 USD \(provider 0\.0123\)/).waitFor();
    } else {
      await preview.getByRole('heading', { name: 'Changed (1)' }).waitFor();
      await preview.getByRole('heading', { name: 'Rates set by hand, kept (1)' }).waitFor();
      await preview.getByText('Stays 9 USD (import would set 2.5 USD)').waitFor();
      await preview.getByText('rate 1 USD → 1.25 USD').waitFor();
    }
    // The preview wrote nothing and asked the provider once.
    expect((await cliJson('services', 'list', '--all')).services.length).toBe(before);
    expect(upstream.callsOf('services').length).toBe(calls + 1);
    await web.shot(page, first ? 'admin-services-import-preview' : 'admin-services-reimport-preview');

    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('button', { name: 'Yes, import' }).click();
    const report = page.getByRole('region', { name: 'Imported' });
    await report
      .getByRole('status')
      .getByText(first ? '3 added, 0 updated, 0 turned off.' : '0 added, 3 updated, 0 turned off.')
      .waitFor();
    await web.shot(page, first ? 'admin-services-import-applied' : 'admin-services-reimport-applied');
    const list = (await cliJson('services', 'list', '--all')).services as { name: string; rate: string }[];
    expect(list.length).toBe(first ? before + 3 : before);
    if (!first) expect(list.find((s) => s.name === 'Upstream saves')?.rate).toBe('9');
    await report.getByRole('link', { name: 'Back to services' }).click();
    await page.getByRole('link', { name: 'Upstream likes' }).waitFor();
    await page.context().close();
  }

  it('phone: create, move, bulk disable; an import previewed then applied', async () => {
    await catalogueFlow(PHONE, 'P');
    await importFlow(PHONE, true);
  });

  it('desktop: the same; the re-import keeps a hand-set rate and lists it', async () => {
    await catalogueFlow(DESKTOP, 'D');
    const list = (await cliJson('services', 'list', '--all')).services as { id: number; name: string }[];
    const saves = list.find((s) => s.name === 'Upstream saves');
    await cliJson('services', 'update', '--service', String(saves?.id), '--rate', '9');
    upstream.services = [
      upstreamService(11, { name: 'Upstream likes', rate: '1.00', category: 'Imported' }),
      upstreamService(12, { name: 'Upstream views', rate: '0.0123', category: 'Imported', min: 100 }),
      upstreamService(13, { name: 'Upstream saves', rate: '2', category: 'Imported' }),
    ];
    await importFlow(DESKTOP, false);
  });

  it('support has no Services tab and the page says so', async () => {
    const r = await web.cli([
      'users',
      'create',
      '--username',
      'helper2',
      '--role',
      'support',
      '--password',
      PASSWORD,
    ]);
    expect(r.err).toEqual([]);
    const page = await web.newPage(PHONE);
    await signIn(page, 'helper2', PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    expect(
      await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Services' }).count(),
    ).toBe(0);
    await page.goto('/admin/services/import');
    await page.getByText('Only admins can see the services.').waitFor();
    await page.context().close();
  });
});
