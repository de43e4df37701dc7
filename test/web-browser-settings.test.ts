/**
 * The admin Settings page in a real browser (chromium, a real panel process): the first-start admin
 * opens Admin -> Settings, changes the panel name and closes sign-up, saves, and sees the header
 * change; after signing out a visitor's header has the name and, with sign-up closed, no Create account. A bad currency shows the
 * server's words. Support has no Settings tab. Screenshots at 390x844 and 1280x800 (look at them).
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';

const PASSWORD = 'correct horse battery';

describeBrowser('admin settings in chromium', () => {
  const web = browserSuite('settings');

  async function signIn(page: Page, username: string, password: string) {
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function openSettings(page: Page) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
  }

  async function changeSettings(viewport: typeof PHONE, name: string, signupOpen: boolean) {
    const page = await web.newPage(viewport);
    await signIn(page, 'admin', web.adminPassword);
    await openSettings(page);
    await web.shot(page, 'admin-settings');
    expect(await page.getByText('****').count()).toBe(0);

    // A bad currency: the server's words, nothing saved.
    await page.getByLabel('Currency').fill('EU');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').getByText('currency must be a 3-letter ISO code').waitFor();
    await page.getByLabel('Currency').fill('USD');

    await page.getByLabel('Panel name').fill(name);
    await page.getByLabel('Sign-up open').setChecked(signupOpen);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await page.getByRole('banner').getByRole('link', { name }).waitFor();
    await web.shot(page, 'admin-settings-saved');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // A visitor's page outside sign-in (the start page sends them to sign-in, whose header has no
    // links): the header has the new name, and Create account only while sign-up is open.
    await page.goto('/no-such-page');
    const header = page.getByRole('banner');
    await header.getByRole('link', { name }).waitFor();
    await header.getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await header.getByRole('link', { name: 'Create account' }).count()).toBe(signupOpen ? 1 : 0);
    await web.shot(page, 'settings-visitor');
    await page.context().close();
  }

  it('phone: the admin renames the panel and closes sign-up', async () => {
    await changeSettings(PHONE, 'Fast Likes', false);
    const show = await web.cli(['--json', 'settings', 'show']);
    expect(JSON.parse(show.out.join('\n'))).toMatchObject({ panelName: 'Fast Likes', signup: 'closed' });
  });

  it('desktop: the admin renames it again and opens sign-up', async () => {
    await changeSettings(DESKTOP, 'Likes Desk', true);
  });

  it('support has no Settings tab', async () => {
    const r = await web.cli([
      'users',
      'create',
      '--username',
      'helper1',
      '--role',
      'support',
      '--password',
      PASSWORD,
    ]);
    expect(r.err).toEqual([]);
    const page = await web.newPage(PHONE);
    await signIn(page, 'helper1', PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    expect(
      await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Settings' }).count(),
    ).toBe(0);
    await page.goto('/admin/settings');
    await page.getByText('Only admins can see the settings.').waitFor();
    await page.context().close();
  });
});
