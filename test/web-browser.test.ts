/**
 * The web panel in a real browser: Debian's chromium driven by playwright-core against a real panel
 * process (the built `smm-panel serve`) on 127.0.0.1 with SQLite. A customer signs up on a phone-sized
 * screen, orders through the form (double-clicking the button places one order), sees the order,
 * opens a support ticket and sees the operator's answer (given with the CLI), rotates the API key and
 * signs out; the first-start operator signs in on a desktop-sized screen.
 * Screenshots of every page at 390x844 and 1280x800 go to test/screenshots/ (look at them).
 */

import { beforeAll, expect, it } from 'vitest';
import { adjustFunds } from '../src/ledger/adjust-funds.js';
import { adminActor } from './helpers/actor.js';
import { seedService } from './helpers/api.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';

describeBrowser('web panel in chromium', () => {
  const web = browserSuite('panel');
  const newPage = (v: { width: number; height: number }) => web.newPage(v);
  const shot = web.shot;
  const runCli = web.cli;

  beforeAll(async () => {
    const db = web.db;
    await seedService(db.db, {
      name: 'Instagram Followers',
      category: 'Instagram',
      rate: '0.73',
      min: 100,
      max: 10000,
      refill: true,
      cancel: true,
      dripfeed: true,
      description: 'Real-looking profiles, start within 1 hour.',
    });
    await seedService(db.db, {
      name: 'Custom Comments',
      category: 'Instagram',
      type: 'Custom Comments',
      rate: '12',
      min: 1,
    });
    await seedService(db.db, {
      name: 'Auto Likes',
      category: 'Instagram',
      type: 'Subscriptions',
      rate: '1.2',
      min: 50,
    });
    await seedService(db.db, {
      name: 'YouTube Views',
      category: 'YouTube',
      rate: '2.5',
      min: 500,
      max: 1000000,
    });
  });

  it('a customer signs up, orders, follows the order, rotates the key and signs out (phone)', async () => {
    const page = await newPage(PHONE);
    // A deep link served by the SPA fallback; not signed in, so the app sends us to sign in.
    await page.goto('/orders');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, 'sign-in');
    await page.getByRole('link', { name: 'No account yet? Create one' }).click();
    // The sign-up page is its own chunk: until it is shown, the sign-in form (same labels) still is.
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('Username').fill('alice_web');
    await page.getByLabel('Password').fill('alice password 1');
    await shot(page, 'sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Services' }).waitFor();
    await page.getByText('Instagram Followers').waitFor();
    await shot(page, 'services');

    const added = await adjustFunds({
      db: web.db.db,
      actor: await adminActor(web.db.db),
      username: 'alice_web',
      amountUnits: 50n * 10n ** 7n,
    });
    expect(added.ok).toBe(true);

    await page.getByRole('link', { name: 'Order Instagram Followers' }).click();
    await page.getByRole('heading', { name: 'New order' }).waitFor();
    await page.getByLabel('Link').fill('https://instagram.com/alice');
    await page.getByLabel('Quantity').fill('50');
    await page.getByText('Quantity less than minimal 100').waitFor();
    await page.getByLabel('Quantity').fill('1000');
    await expect.poll(() => page.getByTestId('charge').textContent()).toBe('0.73 USD');
    await shot(page, 'new-order');
    await page.getByRole('button', { name: 'Place order' }).dblclick();
    const created = page.getByRole('status').filter({ hasText: /Order #\d+ created/ });
    await created.waitFor();
    const orderId = Number(/Order #(\d+)/.exec((await created.textContent()) ?? '')?.[1]);
    expect(orderId).toBeGreaterThan(0);
    await page.getByText('49.27 USD').first().waitFor();

    await page.getByRole('link', { name: 'See your orders' }).click();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await page.getByText(`Order #${orderId}`).waitFor();
    // The double click placed one order.
    expect(await page.getByText(/^Order #\d+/).count()).toBe(1);
    await expect.poll(() => page.getByRole('link', { name: 'https://instagram.com/alice' }).count()).toBe(1);
    // Cancel asks first: a slip of the thumb cancels nothing.
    await page.getByRole('button', { name: `Cancel order ${orderId}` }).click();
    await page.getByRole('button', { name: 'No, keep it' }).click();
    await page.getByRole('button', { name: `Cancel order ${orderId}` }).waitFor();
    await shot(page, 'orders');

    await page.getByRole('link', { name: 'Funds', exact: true }).click();
    await page.getByText('Balance after: 49.27').waitFor();
    await shot(page, 'funds');

    // Support: open a ticket about the order, the operator answers from the CLI, the customer sees it.
    await page.getByRole('link', { name: 'Support', exact: true }).click();
    await page.getByText('No tickets yet.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'New ticket' }).click();
    await page.getByLabel('Order numbers').fill(`${orderId}, x`);
    await page.getByLabel('Your message').fill('My order has not started yet.\nCan you check?');
    await page.getByRole('button', { name: 'Send to support' }).click();
    await page.getByText('Order numbers are digits separated by commas', { exact: false }).waitFor();
    await page.getByLabel('Order numbers').fill(String(orderId));
    await shot(page, 'tickets-new');
    await page.getByRole('button', { name: 'Send to support' }).click();
    const title = page.getByRole('heading', { name: /Ticket #\d+ · An order/ });
    await title.waitFor();
    const ticketId = Number(/#(\d+)/.exec((await title.textContent()) ?? '')?.[1]);
    await page.getByText('Waiting for support').waitFor();
    const reply = await runCli([
      'tickets',
      'reply',
      '--ticket',
      String(ticketId),
      '--message',
      'It starts within the hour.',
    ]);
    expect(reply.code).toBe(0);
    await page.reload();
    await page.getByText('It starts within the hour.').waitFor();
    await page.getByText('Answered').waitFor();
    await shot(page, 'ticket-thread');
    await page.getByRole('link', { name: '← All tickets' }).click();
    await page.getByText(`About orders #${orderId}`).waitFor();
    await shot(page, 'tickets');

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Create a new API key' }).click();
    await page.getByRole('button', { name: 'Replace the key' }).click();
    const key = await page.getByLabel('Your new API key').inputValue();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const balance = await fetch(`${web.url}/api/v2`, {
      method: 'POST',
      body: new URLSearchParams({ key, action: 'balance' }),
    });
    expect(await balance.json()).toEqual({ balance: '49.27', currency: 'USD' });
    await shot(page, 'account');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto('/funds');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Username').fill('alice_web');
    await page.getByLabel('Password').fill('alice password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New order' }).waitFor();
    await page.context().close();
  });

  it('a customer places a mass order with a good and a bad line, then reads the API page (phone)', async () => {
    const page = await newPage(PHONE);
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill('alice_web');
    await page.getByLabel('Password').fill('alice password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New order' }).waitFor();
    await page.getByRole('link', { name: 'Mass order', exact: true }).click();
    await page.getByRole('heading', { name: 'Mass order' }).waitFor();
    const box = page.getByLabel('Orders, one per line: service | link | quantity');
    await box.fill('1 | https://instagram.com/bob | 1000\n\n1 | https://instagram.com/carol | 5\n');
    await shot(page, 'mass-form');
    await page.getByRole('button', { name: 'Place these orders' }).dblclick();
    await page.getByText('1 placed, 1 refused.').waitFor();
    const lines = page.getByTestId('mass-line');
    await expect.poll(() => lines.count()).toBe(2);
    expect(await lines.nth(0).textContent()).toMatch(/^Line 1Order #\d+ created, charged 0\.73 USD$/);
    expect(await lines.nth(1).textContent()).toBe('Line 3Quantity less than minimal 100');
    // The refused line is back in the box to be fixed; the double click placed the good one once.
    expect(await box.inputValue()).toBe('1 | https://instagram.com/carol | 5');
    await page.getByText('48.54 USD').first().waitFor();
    await shot(page, 'mass');

    await page.getByRole('link', { name: 'API', exact: true }).click();
    await page.getByRole('heading', { name: 'API', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'refill_status', exact: true }).waitFor();
    await page.getByText(`${web.url}/api/v2`).first().waitFor();
    // Code blocks scroll inside themselves: the page itself never gets wider than the phone.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    await shot(page, 'api');
    await page.context().close();
  });

  it('the first-start operator signs in; every page at desktop size', async () => {
    const page = await newPage(DESKTOP);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, 'sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(web.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New order' }).waitFor();
    await page.getByLabel('Service').selectOption({ label: '#2 Custom Comments — 12 USD' });
    await page.getByLabel('Comments').waitFor();
    await shot(page, 'new-order');
    for (const [link, heading, name] of [
      ['Services', 'Services', 'services'],
      ['Orders', 'Orders', 'orders'],
      ['Funds', 'Funds', 'funds'],
      ['Support', 'Support', 'tickets'],
      ['Account', 'Account: admin', 'account'],
      ['Mass order', 'Mass order', 'mass'],
      ['API', 'refill_status', 'api'],
    ] as const) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { name: heading }).waitFor();
      await page.waitForLoadState('networkidle');
      await shot(page, name);
    }
    await page.getByRole('link', { name: 'Support', exact: true }).click();
    await page.getByRole('button', { name: 'New ticket' }).click();
    await page.getByLabel('Subject').selectOption({ label: 'A payment' });
    await page.getByLabel('Your message').fill('Testing the support page.');
    await page.getByRole('button', { name: 'Send to support' }).click();
    await page.getByRole('heading', { name: /Ticket #\d+ · A payment/ }).waitFor();
    await page.getByRole('button', { name: 'Close ticket' }).click();
    await page.getByRole('button', { name: 'Yes, close it' }).click();
    await page.getByText('This ticket is closed.', { exact: false }).waitFor();
    await shot(page, 'ticket-thread');
    await page.context().close();
  });
});
