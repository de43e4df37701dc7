/**
 * The Account page's sessions, the funds history's "More" and the public services page in chromium
 * (test/helpers/browser.ts): a customer signed in on a phone and a laptop ends the laptop's session
 * from the phone; the funds history pages through 60 entries; a visitor sees the services once the
 * operator made them public, and "Sign in to order" leads through sign-in to that service's order form.
 * Screenshots at 390x844 and 1280x800 in test/screenshots/.
 */

import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { adjustFunds } from '../src/ledger/adjust-funds.js';
import { openTicket } from '../src/tickets/open-ticket.js';
import { adminActor } from './helpers/actor.js';
import { seedService } from './helpers/api.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';

const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const WINDOWS_FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const PASSWORD = 'carol password 1';

describeBrowser('account, funds pages and public services in chromium', () => {
  const web = browserSuite('account');
  let followers = 0;

  beforeAll(async () => {
    const db = web.db.db;
    followers = await seedService(db, {
      name: 'Instagram Followers',
      category: 'Instagram',
      rate: '0.73',
      min: 100,
      max: 10000,
      refill: true,
      description: 'Real-looking profiles, start within 1 hour.',
    });
    await seedService(db, {
      name: 'YouTube Views',
      category: 'YouTube',
      rate: '2.5',
      min: 500,
      max: 1000000,
    });
    const u = await createUser({ db, actor: SYSTEM, input: { username: 'carol', password: PASSWORD } });
    if (!u.ok) throw new Error(u.failure.code);
    // 25 tickets: more than one page of the list (20).
    for (let i = 1; i <= 25; i++) {
      const t = await openTicket({
        db,
        userId: u.value.id,
        subject: i % 2 ? 'order' : 'payment',
        message: `question ${i}`,
        now: Date.now() - (25 - i) * 3_600_000,
      });
      expect(t.ok).toBe(true);
    }
    // 60 movements: more than one page of the history (50).
    for (let i = 1; i <= 60; i++) {
      const r = await adjustFunds({
        db,
        actor: await adminActor(db),
        username: 'carol',
        amountUnits: BigInt(i) * 10n ** 7n,
        note: `payment ${i}`,
      });
      expect(r.ok).toBe(true);
    }
  });

  async function pageAs(viewport: { width: number; height: number }, userAgent: string): Promise<Page> {
    const context = await web.browser.newContext({
      viewport,
      userAgent,
      reducedMotion: 'reduce',
      baseURL: web.url,
    });
    const page = await context.newPage();
    page.on('pageerror', (err) => {
      throw err;
    });
    return page;
  }

  it('lists the sessions, marks this device, and ends the other one', async () => {
    const phone = await pageAs(PHONE, ANDROID_CHROME);
    const laptop = await pageAs(DESKTOP, WINDOWS_FIREFOX);
    await web.signIn(phone, 'carol', PASSWORD);
    await web.signIn(laptop, 'carol', PASSWORD);

    await laptop.goto('/account');
    const laptopList = laptop.getByRole('list', { name: 'Where you are signed in' });
    await laptopList.getByText('Chrome on Android').waitFor();
    await web.shot(laptop, 'account-sessions');

    await phone.goto('/account');
    const list = phone.getByRole('list', { name: 'Where you are signed in' });
    await list.getByText('Firefox on Windows').waitFor();
    const mine = list.getByRole('listitem').filter({ hasText: 'Chrome on Android' });
    await expect.poll(() => mine.getByText('This device').count()).toBe(1);
    // No End button for the session in hand (Sign out does that).
    await expect.poll(() => mine.getByRole('button').count()).toBe(0);
    await web.shot(phone, 'account-sessions');

    await phone.getByRole('button', { name: 'End the session on Firefox on Windows' }).click();
    await expect.poll(() => list.getByText('Firefox on Windows').count()).toBe(0);
    await expect.poll(() => list.getByRole('listitem').count()).toBe(1);

    // The laptop is signed out: its next page asks to sign in.
    await laptop.goto('/orders');
    await laptop.getByRole('heading', { name: 'Sign in' }).waitFor();
    await phone.context().close();
    await laptop.context().close();
  });

  it('the funds history shows 50 entries, then the rest with More', async () => {
    for (const size of [PHONE, DESKTOP]) {
      const page = await pageAs(size, ANDROID_CHROME);
      await web.signIn(page, 'carol', PASSWORD);
      await page.goto('/funds');
      const history = page.getByRole('listitem').filter({ hasText: /payment \d+/ });
      await page.getByText(/· payment 60$/).waitFor();
      await expect.poll(() => history.count()).toBe(50);
      expect(await page.getByText(/· payment 10$/).count()).toBe(0);
      await page.getByRole('button', { name: 'More' }).click();
      await page.getByText(/· payment 1$/).waitFor();
      await expect.poll(() => history.count()).toBe(60);
      await expect.poll(() => page.getByRole('button', { name: 'More' }).count()).toBe(0);
      await page.getByText('That is everything.').waitFor();
      // The oldest entry: the balance after it is its own amount.
      const oldest = history.filter({ has: page.getByText(/· payment 1$/) });
      expect(await oldest.textContent()).toContain('Balance after: 1.00');
      // The balance stays in view (the header) at the bottom of the list.
      await expect.poll(() => page.getByRole('link', { name: 'Balance' }).isVisible()).toBe(true);
      // A full-page shot of a scrolled page draws the sticky header mid-page: back to the top first.
      await page.evaluate('window.scrollTo(0, 0)');
      await web.shot(page, 'funds-more');
      await page.context().close();
    }
  });

  it('the tickets list shows 20, then the rest with More', async () => {
    for (const size of [PHONE, DESKTOP]) {
      const page = await pageAs(size, ANDROID_CHROME);
      await web.signIn(page, 'carol', PASSWORD);
      await page.goto('/tickets');
      const tickets = page.getByRole('link', { name: /^Ticket #\d+/ });
      await expect.poll(() => tickets.count()).toBe(20);
      await page.getByRole('button', { name: 'More' }).click();
      await expect.poll(() => tickets.count()).toBe(25);
      await expect.poll(() => page.getByRole('button', { name: 'More' }).count()).toBe(0);
      // A full-page shot of a scrolled page draws the sticky header mid-page: back to the top first.
      await page.evaluate('window.scrollTo(0, 0)');
      await web.shot(page, 'tickets-more');
      await page.context().close();
    }
  });

  it('a visitor sees the services once they are public, and Order leads to sign-in, then the form', async () => {
    const off = await pageAs(PHONE, ANDROID_CHROME);
    await off.goto('/services');
    await off.getByRole('heading', { name: 'Sign in' }).waitFor();
    await off.context().close();

    expect((await web.cli(['settings', 'set', '--public-services', 'on'])).code).toBe(0);
    for (const size of [DESKTOP, PHONE]) {
      const page = await pageAs(size, ANDROID_CHROME);
      await page.goto('/services');
      await page.getByRole('heading', { name: 'Services' }).waitFor();
      await page.getByText('Instagram Followers').waitFor();
      await page.getByRole('link', { name: 'Create account' }).waitFor();
      await web.shot(page, 'services-public');
      if (size === PHONE) {
        await page.getByRole('link', { name: 'Sign in to order Instagram Followers' }).click();
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        await page.getByLabel('Username').fill('carol');
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'New order' }).waitFor();
        expect(new URL(page.url()).searchParams.get('service')).toBe(String(followers));
        await expect.poll(() => page.getByLabel('Service').inputValue()).toBe(String(followers));
      }
      await page.context().close();
    }
  });
});
