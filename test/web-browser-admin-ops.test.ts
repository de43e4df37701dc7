/**
 * The admin Providers, Alerts and Tickets pages in a real browser (chromium, a real panel process, a
 * scripted upstream panel on 127.0.0.1 started here): the admin adds a provider through the form
 * (checked with a balance call; a wrong key shows the provider's words and adds nothing), sees its
 * balance and services, puts it on hold and resumes it; resolves an alert; a support member sees the
 * unread ticket in the inbox, answers it and closes it. At 390x844 and 1280x800, with screenshots.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { raiseAlert } from '../src/alerts/alerts.repo.js';
import { openTicket } from '../src/tickets/open-ticket.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';
import { type ScriptedUpstream, startScriptedUpstream, upstreamService } from './helpers/engine.js';

const PASSWORD = 'correct horse battery';
const KEY = 'browser-upstream-key';

describeBrowser('admin providers, alerts and tickets in chromium', () => {
  const web = browserSuite('admin-ops');
  let up: ScriptedUpstream;

  beforeAll(async () => {
    up = await startScriptedUpstream({
      key: KEY,
      services: [
        upstreamService(101, { name: 'Instagram followers HQ', rate: '0.90' }),
        upstreamService(102, { name: 'TikTok likes', category: 'TikTok', rate: '0.25' }),
      ],
    });
    up.balance = '250.75';
  });
  afterAll(async () => {
    await up?.close();
  });

  async function signIn(page: Page, username: string, password: string) {
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function adminTab(page: Page, name: string) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name }).click();
    await page.getByRole('heading', { name, exact: true }).waitFor();
  }

  for (const [size, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    it(`${size}: the admin adds a provider, sees its balance and services, holds and resumes it`, async () => {
      const page = await web.newPage(viewport);
      await signIn(page, 'admin', web.adminPassword);
      await adminTab(page, 'Providers');
      const name = `Upstream ${size}`;

      // A wrong key: the provider's own words, nothing added.
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('API address').fill(up.url);
      await page.getByLabel('API key').fill('wrong-key');
      await page.getByRole('button', { name: 'Check and add' }).click();
      await page.getByRole('alert').getByText('Invalid API key').waitFor();
      expect(await page.getByRole('link', { name: new RegExp(name) }).count()).toBe(0);

      await page.getByLabel('API key').fill(KEY);
      await page.getByRole('button', { name: 'Check and add' }).click();
      await page.getByRole('status').getByText('Our balance there: 250.75').waitFor();
      expect(await page.getByLabel('API key').inputValue()).toBe('');
      expect(await page.content()).not.toContain(KEY);
      await web.shot(page, `admin-providers-${size}`);

      await page
        .getByRole('listitem')
        .getByRole('link', { name: new RegExp(name) })
        .click();
      await page.getByRole('heading', { name }).waitFor();
      await page.getByText('$250.75').or(page.getByText('250.75')).first().waitFor();
      await page.getByText('Instagram followers HQ').waitFor();
      await page.getByText('TikTok likes').waitFor();
      await web.shot(page, `admin-provider-${size}`);

      await page.getByRole('button', { name: 'Put on hold' }).click();
      await page.getByRole('button', { name: 'Yes, hold' }).click();
      await page.getByRole('button', { name: 'Resume' }).waitFor();
      await page.getByText('On hold', { exact: true }).waitFor();
      await web.shot(page, `admin-provider-held-${size}`);
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByRole('status').getByText('Resumed.').waitFor();
      await page.getByRole('button', { name: 'Put on hold' }).waitFor();
      expect(await page.content()).not.toContain(KEY);

      const audit = await web.cli(['--json', 'audit', 'list', '--action', 'provider']);
      expect(audit.out.join('\n')).not.toContain(KEY);
      await page.context().close();
    });

    it(`${size}: the admin resolves an alert`, async () => {
      const message = `Order 4242 answered an impossible status (${size})`;
      await raiseAlert(web.db.db, { kind: 'bad_answer', orderId: 4242, message });
      const page = await web.newPage(viewport);
      await signIn(page, 'admin', web.adminPassword);
      await adminTab(page, 'Alerts');
      const item = page.getByRole('listitem').filter({ hasText: message });
      await item.waitFor();
      expect(await item.getByRole('link', { name: 'Order #4242' }).getAttribute('href')).toBe(
        '/admin/orders/4242',
      );
      await web.shot(page, `admin-alerts-${size}`);
      await item.getByPlaceholder('Note (optional)').fill('checked by hand');
      await item.getByRole('button', { name: /Resolve/ }).click();
      await item.waitFor({ state: 'detached' });
      await page.getByRole('link', { name: 'Resolved' }).click();
      await page.getByRole('listitem').filter({ hasText: message }).waitFor();
      await page.context().close();
    });

    it(`${size}: support answers a ticket from the inbox and closes it`, async () => {
      const helper = `helper_${size}`;
      const customer = `buyer_${size}`;
      for (const [username, role] of [
        [helper, 'support'],
        [customer, 'customer'],
      ] as const) {
        const r = await web.cli([
          'users',
          'create',
          '--username',
          username,
          '--role',
          role,
          '--password',
          PASSWORD,
        ]);
        expect(r.err).toEqual([]);
      }
      const user = await web.db.db
        .selectFrom('users')
        .select('id')
        .where('username', '=', customer)
        .executeTakeFirstOrThrow();
      const opened = await openTicket({
        db: web.db.db,
        userId: Number(user.id),
        subject: 'payment',
        message: 'I paid but my balance did not change.',
      });
      if (!opened.ok) throw new Error(opened.failure.code);
      const ticketId = opened.value.ticketId;

      const page = await web.newPage(viewport);
      await signIn(page, helper, PASSWORD);
      await adminTab(page, 'Tickets');
      // Support has no Providers or Alerts tab.
      const tabs = page.getByRole('navigation', { name: 'Admin' });
      expect(await tabs.getByRole('link', { name: 'Providers' }).count()).toBe(0);
      expect(await tabs.getByRole('link', { name: 'Alerts' }).count()).toBe(0);
      // The tab and the heading count the unread ticket.
      await tabs.getByRole('link', { name: 'Tickets 1 unread' }).waitFor();
      await page.getByText('1 unread', { exact: true }).nth(1).waitFor(); // the tab's words, the heading's
      expect(await page.getByText('1 unread', { exact: true }).count()).toBe(2);
      const row = page.getByRole('link', { name: new RegExp(`Ticket #${ticketId}\\b`) });
      await row.getByText('1 new').waitFor();
      await web.shot(page, `admin-tickets-${size}`);

      await row.click();
      await page.getByText('I paid but my balance did not change.').waitFor();
      expect(await page.getByRole('link', { name: `${customer}'s page` }).getAttribute('href')).toBe(
        `/admin/users/${user.id}`,
      );
      await page.getByLabel('Your reply').fill('We found your payment and added it. Sorry for the wait!');
      await page.getByRole('button', { name: 'Send reply' }).click();
      await page.getByText(`${helper} (staff)`).waitFor();
      await web.shot(page, `admin-ticket-${size}`);
      await page.getByRole('button', { name: 'Close ticket' }).click();
      await page.getByRole('button', { name: 'Yes, close it' }).click();
      await page.getByText('This ticket is closed.').waitFor();

      await page.getByRole('link', { name: '← All tickets' }).click();
      const back = page.getByRole('link', { name: new RegExp(`Ticket #${ticketId}\\b`) });
      await back.getByText('Closed').waitFor();
      expect(await back.getByText('1 new').count()).toBe(0);
      await tabs.getByRole('link', { name: 'Tickets', exact: true }).waitFor();
      await page.getByText('All read').waitFor();
      const audit = await web.cli(['--json', 'audit', 'list', '--subject', `ticket:${ticketId}`]);
      const actions = JSON.stringify(JSON.parse(audit.out.join('\n')));
      expect(actions).toContain('ticket.reply');
      expect(actions).toContain('ticket.close');
      await page.context().close();
    });
  }
});
