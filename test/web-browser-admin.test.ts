/**
 * The admin area in a real browser (chromium, a real panel process): the first-start admin signs in
 * on the ordinary sign-in page, opens Admin -> Users, finds a customer, adds funds with a note (after
 * the confirm), sees the new balance and the entry in the audit log; support sees the same user
 * without the buttons; a customer has no Admin link. Screenshots at 390x844 and 1280x800 go to
 * test/screenshots/ (look at them).
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';

const PASSWORD = 'correct horse battery';

describeBrowser('admin area in chromium', () => {
  const web = browserSuite('admin');

  async function user(name: string, extra: string[] = []) {
    const r = await web.cli([
      'users',
      'create',
      '--username',
      name,
      '--email',
      `${name}@example.com`,
      '--password',
      PASSWORD,
      '--balance',
      '10',
      ...extra,
    ]);
    expect(r.err).toEqual([]);
  }

  /** Sign in (this panel has no services, so the start page has no heading: wait for Sign out). */
  async function signIn(page: Page, username: string, password: string) {
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function addFunds(page: Page, size: string, customer: string) {
    await signIn(page, 'admin', web.adminPassword);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    // An admin starts at the dashboard; Users is a tab.
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByLabel('Find a user').fill(`${customer}@EXAMPLE`);
    await page.getByRole('button', { name: 'Find' }).click();
    const row = page.getByRole('link', { name: new RegExp(customer) });
    await row.waitFor();
    expect(await page.getByRole('main').getByRole('listitem').count()).toBe(1);
    await web.shot(page, `admin-users-${size}`);
    await row.click();
    await page.getByRole('heading', { name: customer }).waitFor();
    expect(await page.getByText('10.00 USD').count()).toBeGreaterThan(0);

    await page.getByLabel('Amount (USD)').fill('25.5');
    await page.getByLabel('Note').fill('bank transfer 7781');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText(`Add 25.5 USD to ${customer}?`).waitFor();
    await web.shot(page, `admin-funds-confirm-${size}`);
    await page.getByRole('button', { name: 'Yes, add' }).click();
    await page.getByText('Done. New balance: 35.50 USD').waitFor();
    await page.getByText('bank transfer 7781').first().waitFor();
    await web.shot(page, `admin-user-${size}`);

    // A deduction below zero is refused with the server's words; nothing changes.
    await page.getByLabel('Amount (USD)').fill('-100');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Yes, deduct' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByText('35.50 USD').count()).toBeGreaterThan(0);

    await page.getByRole('link', { name: 'History of changes' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const entry = page.getByRole('main').getByRole('listitem').filter({ hasText: 'funds.adjust' });
    await entry.first().waitFor();
    expect(await entry.count()).toBe(1);
    const text = await entry.first().textContent();
    expect(text).toContain('By admin (web)');
    expect(text).toContain('balance: 10.00');
    expect(text).toContain('balance: 35.50, amount: 25.50');
    expect(text).toContain('Note: bank transfer 7781');
    await web.shot(page, `admin-audit-${size}`);
  }

  it('on a phone: the admin finds a customer, adds funds with a note, sees the balance and the audit entry', async () => {
    await user('phone_buyer');
    const page = await web.newPage(PHONE);
    await addFunds(page, 'phone', 'phone_buyer');
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(PHONE.width);
  });

  it('on a desktop: the same', async () => {
    await user('desk_buyer');
    const page = await web.newPage(DESKTOP);
    await addFunds(page, 'desktop', 'desk_buyer');
  });

  it('support reads the user without buttons and has no audit tab; a customer has no Admin link', async () => {
    await user('helper_one', ['--role', 'support']);
    await user('plain_buyer');
    const page = await web.newPage(PHONE);
    await signIn(page, 'helper_one', PASSWORD);
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count(),
    ).toBe(1);
    await page.goto('/admin'); // the area starts at its users
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByLabel('Find a user').fill('plain_buyer');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('link', { name: /plain_buyer/ }).click();
    await page.getByRole('heading', { name: 'plain_buyer' }).waitFor();
    await page.getByRole('heading', { name: 'Funds history' }).waitFor();
    expect(await page.getByLabel('Amount (USD)').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Disable' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    await web.shot(page, 'admin-user-support');

    const c = await web.newPage(PHONE);
    await signIn(c, 'plain_buyer', PASSWORD);
    expect(await c.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await c.goto('/admin/users');
    await c.getByText('This page is for staff only.').waitFor();
  });
});
