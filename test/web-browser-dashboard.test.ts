/**
 * The admin Dashboard in a real browser (chromium, a real panel process): the first-start admin opens
 * Admin (which starts at the dashboard), sees today's figures from orders seeded through the use
 * cases (revenue, cost named unknown for the manual orders, profit), the decision queue, a provider's
 * balance and the 30 days' numbers in the table; downloads the orders CSV of a period and gets a file
 * with the header and the orders. Payments: the money paid in today and the payments waiting (a link to
 * the pending payments), and the payments CSV link. Support has no Dashboard tab and starts at Users. Screenshots at
 * 390x844 and 1280x800 (look at them).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resetPassword } from '../src/accounts/reset-password.js';
import { SYSTEM } from '../src/audit/actor.js';
import { placeOrder } from '../src/orders/place-order.js';
import { setOrderStatus } from '../src/orders/set-order-status.js';
import { approvePayment } from '../src/payments/decide-payment.js';
import { createPaymentMethod } from '../src/payments/manage-payment-methods.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { startPayment } from '../src/payments/start-payment.js';
import { addProvider } from '../src/providers/add-provider.js';
import { openTicket } from '../src/tickets/open-ticket.js';
import { adminActor } from './helpers/actor.js';
import { seedService, seedUser } from './helpers/api.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';
import { type ScriptedUpstream, startScriptedUpstream } from './helpers/engine.js';

const PASSWORD = 'correct horse battery';

describeBrowser('admin dashboard in chromium', () => {
  const web = browserSuite('dashboard');
  let up: ScriptedUpstream;
  let orderIds: number[] = [];

  beforeAll(async () => {
    const db = web.db.db;
    const actor = await adminActor(db);
    up = await startScriptedUpstream();
    up.balance = '321.5';
    const p = await addProvider({ db, actor: SYSTEM, name: 'BulkFollows', url: up.url, apiKey: up.key });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    const svc = await seedService(db, { name: 'Hand likes', rate: '2.5' });
    const buyer = await seedUser(db, '50');
    const place = async (link: string, quantity: string) => {
      const r = await placeOrder({
        db,
        userId: buyer.id,
        serviceId: String(svc),
        params: { get: (n) => ({ link, quantity })[n], isMalformed: () => false },
      });
      if (!r.ok) throw new Error(JSON.stringify(r.failure));
      return r.value.orderId;
    };
    // 2.50 + 1.25 charged, the second canceled (refunded): revenue 2.50, two orders.
    orderIds = [
      await place('https://instagram.com/p/first', '1000'),
      await place('https://instagram.com/p/second', '500'),
    ];
    const c = await setOrderStatus({
      db,
      actor,
      orderId: orderIds[1] as number,
      change: { status: 'canceled' },
    });
    if (!c.ok) throw new Error(JSON.stringify(c.failure));
    const t = await openTicket({ db, userId: buyer.id, subject: 'other', message: 'Where is my order?' });
    if (!t.ok) throw new Error(JSON.stringify(t.failure));
    // Payments by bank transfer: 10.00 approved (money in, not revenue), 5.00 waiting for an admin.
    const box = SecretBox.ephemeral();
    const method = await createPaymentMethod({
      db,
      box,
      actor,
      kind: 'manual',
      input: {
        name: 'Bank transfer',
        instructions: '',
        min: '1',
        max: '100',
        adjustPercent: '0',
        enabled: true,
        settings: {},
      },
    });
    if (!method.ok) throw new Error(JSON.stringify(method.failure));
    const pay = async (amount: string) => {
      const r = await startPayment({
        db,
        box,
        userId: buyer.id,
        methodId: method.value.id,
        amount,
        reference: `wire ${amount}`,
      });
      if (!r.ok) throw new Error(JSON.stringify(r.failure));
      return r.value.id;
    };
    const approved = await approvePayment({ db, actor, paymentId: await pay('10') });
    if (!approved.ok) throw new Error(JSON.stringify(approved.failure));
    await pay('5');
    const helper = await web.cli(['users', 'create', '--username', 'helper_dash', '--role', 'support']);
    expect(helper.code).toBe(0);
    const set = await resetPassword({ db, actor, username: 'helper_dash', password: PASSWORD });
    expect(set.ok).toBe(true);
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

  async function dashboard(viewport: typeof PHONE, size: string) {
    const page = await web.newPage(viewport);
    await signIn(page, 'admin', web.adminPassword);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(
      await page
        .getByRole('navigation', { name: 'Admin' })
        .getByRole('link', { name: 'Dashboard' })
        .getAttribute('aria-current'),
    ).toBe('page');

    // Today: two orders, 2.50 revenue, cost unknown for one order (the manual one not canceled).
    const today = page.getByRole('heading', { name: 'Today' }).locator('..');
    await today.getByText('2.50 USD').first().waitFor();
    expect(await today.getByText('unknown for 1 order').count()).toBe(1);
    expect(await today.locator('dd').first().textContent()).toBe('2');
    // The queue: one open ticket, as a link to the tickets page.
    const tickets = page.getByRole('link', { name: /Open tickets/ });
    expect(await tickets.getAttribute('href')).toBe('/admin/tickets');
    expect(await tickets.textContent()).toContain('1');
    // Payments: 10.00 in today; one waiting, a link to the pending payments.
    await today.getByText('10.00 USD').waitFor();
    const payments = page.getByRole('link', { name: /Payments waiting/ });
    expect(await payments.getAttribute('href')).toBe('/admin/payments?state=pending');
    expect(await payments.textContent()).toContain('1 manual, 0 at a gateway');
    // The provider's balance, as it answered.
    await page.getByText('321.5 USD').waitFor();
    // The numbers behind the chart.
    await page.getByText('Show the numbers').click();
    const table = page.getByRole('table');
    await table.waitFor();
    expect(await table.getByRole('row').count()).toBe(31);
    await web.shot(page, `admin-dashboard-${size}`);

    // Export: a reversed period is refused here; a good one downloads the orders' CSV.
    const from = page.getByLabel('From');
    const to = page.getByLabel('To', { exact: true });
    const todayText = new Date().toISOString().slice(0, 10);
    await from.fill('2030-01-02');
    await to.fill('2030-01-01');
    await page.getByText('Choose two dates, From not after To.').waitFor();
    expect(await page.getByRole('link', { name: 'Orders CSV' }).count()).toBe(0);
    await from.fill(todayText);
    await to.fill(todayText);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Orders CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`orders-${todayText}-to-${todayText}.csv`);
    const text = readFileSync((await download.path()) as string, 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toMatch(/^order_id,created_at,user_id,username,/);
    expect(lines.filter((l) => l !== '')).toHaveLength(3);
    for (const id of orderIds) expect(text).toContain(`\r\n${id},`);
    expect(await page.getByRole('link', { name: 'Payments CSV' }).getAttribute('href')).toBe(
      `/api/admin/exports/payments.csv?from=${todayText}&to=${todayText}`,
    );
    await page.context().close();
  }

  it('phone: the admin reads the dashboard and downloads the orders CSV', async () => {
    await dashboard(PHONE, 'phone');
  });

  it('desktop: the same at 1280x800; each download is in the audit log', async () => {
    await dashboard(DESKTOP, 'desktop');
    const rows = await web.db.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'export.orders')
      .execute();
    expect(rows).toHaveLength(2);
  });

  it('support has no Dashboard tab and starts at Users; the page itself says it is for admins', async () => {
    const page = await web.newPage(PHONE);
    await signIn(page, 'helper_dash', PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    expect(
      await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Dashboard' }).count(),
    ).toBe(0);
    await page.goto('/admin/dashboard');
    await page.getByText('Only admins can see the dashboard.').waitFor();
    await page.context().close();
  });
});
