/**
 * The admin area's Orders pages in a real browser (chromium, a real panel process on SQLite): the
 * admin filters orders (the filters stay in the address), opens one and sets a status (Canceled,
 * refunded); a deep link to the orders in review, one resolved from its page through the "Needs a
 * decision" box (the order got there for real: a scripted upstream on 127.0.0.1 answered its send
 * with HTTP 500 and the engine put it in review); the refills queue (a refill started); the cancel
 * requests; support sees only the statuses it may set. Screenshots at 390x844 and 1280x800
 * (admin-orders-*, look at them).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resetPassword } from '../src/accounts/reset-password.js';
import { SYSTEM } from '../src/audit/actor.js';
import { requestCancel } from '../src/cancels/request-cancel.js';
import { placeOrder } from '../src/orders/place-order.js';
import { setOrderStatus } from '../src/orders/set-order-status.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { createRefill } from '../src/refills/create-refill.js';
import { adminActor } from './helpers/actor.js';
import { seedService, seedUser } from './helpers/api.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';
import {
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';

const PASSWORD = 'admin orders password';

describeBrowser('admin orders pages in chromium', () => {
  const web = browserSuite('admin-orders');
  let up: ScriptedUpstream;
  let customer = { id: 0, username: '' };
  let handService = 0;
  let sentService = 0;
  let seq = 0;

  const db = () => web.db.db;

  async function place(service: number, quantity: number, tag: string): Promise<number> {
    const r = await placeOrder({
      db: db(),
      userId: customer.id,
      serviceId: String(service),
      params: {
        get: (n) => ({ link: `https://instagram.com/${tag}-${++seq}`, quantity: String(quantity) })[n],
        isMalformed: () => false,
      },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.failure));
    return r.value.orderId;
  }

  async function dispatchOf(id: number) {
    const row = await db()
      .selectFrom('orders')
      .select(['dispatch_state', 'status', 'provider_order_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return row;
  }

  /** An order sent to the upstream whose send answered HTTP 500: the engine puts it in review. */
  async function inReview(): Promise<number> {
    const id = await place(sentService, 500, 'review');
    const e = makeEngine(db(), 'sqlite', { httpTimeoutMs: 1000 });
    await e.until(async () => (await dispatchOf(id)).dispatch_state === 'review', 5, 'review');
    return id;
  }

  beforeAll(async () => {
    const u = await seedUser(db(), '100');
    customer = { id: u.id, username: u.username };
    await resetPassword({
      db: db(),
      actor: await adminActor(db()),
      username: u.username,
      password: PASSWORD,
    });
    handService = await seedService(db(), {
      name: 'Hand Likes',
      rate: '2',
      min: 10,
      max: 10000,
      refill: true,
      cancel: true,
    });
    up = await startScriptedUpstream({
      services: [upstreamService(1, { name: 'Fast Followers', rate: '4' })],
    });
    up.handlers.add = (p) =>
      /\/review-/.test(p.link ?? '')
        ? { status: 500, body: '{"order": 1}', type: 'application/json' }
        : undefined;
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: 'UpstreamOne',
      url: up.url,
      apiKey: up.key,
    });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    const imported = await importServices({
      db: db(),
      actor: SYSTEM,
      providerId: p.value.id,
      markupPercent: '0',
    });
    if (!imported.ok) throw new Error(JSON.stringify(imported.failure));
    const svc = await db()
      .selectFrom('services')
      .select('id')
      .where('provider_id', '=', p.value.id)
      .executeTakeFirstOrThrow();
    sentService = Number(svc.id);
  }, 60_000);
  afterAll(async () => {
    await up?.close();
  });

  async function signInAdmin(page: Page) {
    await web.signIn(page, 'admin', web.adminPassword);
  }

  async function openOrdersTab(page: Page) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
  }

  const orderLinks = (page: Page, size: typeof PHONE) =>
    size === PHONE
      ? page
          .getByRole('main')
          .getByRole('list')
          .first()
          .getByRole('link', { name: /^Order #\d+/ })
      : page
          .getByRole('main')
          .getByRole('table')
          .getByRole('link', { name: /^Order #\d+$/ });

  for (const [size, label] of [
    [PHONE, 'phone'],
    [DESKTOP, 'desktop'],
  ] as const) {
    it(`${label}: the admin filters orders, opens one and cancels it (refunded)`, async () => {
      const first = await place(handService, 1000, `filter-${label}`);
      const second = await place(handService, 500, `filter-${label}`);
      await setOrderStatus({
        db: db(),
        actor: await adminActor(db()),
        orderId: second,
        change: { status: 'completed' },
      });
      const page = await web.newPage(size);
      await signInAdmin(page);
      await openOrdersTab(page);
      if (size === PHONE) await page.getByRole('button', { name: 'Filters' }).click();
      await page.getByLabel('Customer').fill(customer.username);
      await page.getByLabel('Status').selectOption('pending');
      await page.getByLabel('Search').fill(`filter-${label}`);
      await page.getByRole('button', { name: 'Show' }).click();
      await page.waitForURL(/status=pending/);
      expect(page.url()).toContain(`user=${customer.username}`);
      await expect.poll(() => orderLinks(page, size).count()).toBe(1);
      await page.waitForLoadState('networkidle');
      await web.shot(page, `admin-orders-${label}`);
      if (size === PHONE) {
        const width = await page.evaluate<number>('document.documentElement.scrollWidth');
        expect(width).toBeLessThanOrEqual(PHONE.width);
      }

      // The URL keeps the filters: a reload shows the same list.
      await page.reload();
      await expect.poll(() => orderLinks(page, size).count()).toBe(1);
      await orderLinks(page, size).first().click();
      await page.getByRole('heading', { name: `Order #${first}` }).waitFor();
      await page.getByText('Hand Likes').first().waitFor();
      expect(await page.getByText('2.00 USD').count()).toBeGreaterThan(0); // the charge
      await page.getByText('Unknown').first().waitFor(); // provider cost of a manual order

      await page.getByLabel('New status').selectOption('canceled');
      await page.getByLabel('Note (for the log)').fill(`asked by mail ${label}`);
      await page.getByRole('button', { name: 'Set status' }).click();
      await page.getByText(`Set order #${first} to Canceled?`).waitFor();
      await web.shot(page, `admin-order-confirm-${label}`);
      await page.getByRole('button', { name: 'Yes, set it' }).click();
      await page.getByText('Done: Canceled. Refunded 2.00 USD.').waitFor();
      // The page shows the order as it is now: refunded, its ledger with the refund, no status form.
      await page.getByRole('heading', { name: 'Set status by hand' }).waitFor({ state: 'detached' });
      expect(await page.getByText('Refund').count()).toBeGreaterThan(0);
      expect((await dispatchOf(first)).status).toBe('canceled');
      await web.shot(page, `admin-order-${label}`);
    });

    it(`${label}: an order in review is resolved from its page (deep link ?dispatch=review)`, async () => {
      const review = await inReview();
      const page = await web.newPage(size);
      await signInAdmin(page);
      await page.goto('/admin/orders?dispatch=review');
      await page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
      const link = orderLinks(page, size).filter({ hasText: String(review) });
      await link.first().waitFor();
      await web.shot(page, `admin-orders-review-${label}`);
      await link.first().click();
      await page.getByRole('heading', { name: 'Needs a decision' }).waitFor();
      await page.getByText('HTTP 500').first().waitFor();
      await web.shot(page, `admin-order-review-${label}`);
      if (size === PHONE) {
        // It was sent: the upstream id is typed, asked, and the order is followed from then on.
        await page.getByLabel('Order ID at the provider').fill('998877');
        await page.getByRole('button', { name: 'It was sent' }).click();
        await page.getByText('Follow it as provider order 998877?').waitFor();
        await page.getByRole('button', { name: 'Yes, follow it' }).click();
        await page.getByText('Done: we follow it at the provider.').waitFor();
        await page.getByRole('heading', { name: 'Needs a decision' }).waitFor({ state: 'detached' });
        expect(await dispatchOf(review)).toEqual({
          dispatch_state: 'sent',
          status: 'processing',
          provider_order_id: '998877',
        });
      } else {
        await page.getByRole('button', { name: 'Cancel and refund' }).click();
        await page.getByText('Cancel this order and refund the customer in full?').waitFor();
        await page.getByRole('button', { name: 'Yes, cancel and refund' }).click();
        await page.getByText('Done: canceled and refunded.').waitFor();
        expect(await dispatchOf(review)).toMatchObject({ dispatch_state: 'closed', status: 'canceled' });
      }
      await page.waitForLoadState('networkidle');
      await web.shot(page, `admin-order-resolved-${label}`);
    });

    it(`${label}: the refills queue (a refill started) and the cancel requests`, async () => {
      const done = await place(handService, 100, `refill-${label}`);
      await setOrderStatus({
        db: db(),
        actor: await adminActor(db()),
        orderId: done,
        change: { status: 'completed' },
      });
      const refill = await createRefill({ db: db(), userId: customer.id, orderId: done });
      if (!refill.ok) throw new Error('refill');
      const refillId = refill.value.refillId;
      const toCancel = await place(handService, 100, `cancel-${label}`);
      expect((await requestCancel({ db: db(), userId: customer.id, orderId: toCancel })).ok).toBe(true);

      const page = await web.newPage(size);
      await signInAdmin(page);
      await openOrdersTab(page);
      await page
        .getByRole('navigation', { name: 'Orders, refills, cancel requests' })
        .getByRole('link', { name: 'Refills' })
        .click();
      await page.getByRole('heading', { name: 'Refills', level: 1 }).waitFor();
      const item = page.getByRole('listitem').filter({ hasText: `Refill #${refillId}` });
      await item.waitFor();
      await web.shot(page, `admin-refills-${label}`);
      await item.getByRole('button', { name: `Start Refill #${refillId}` }).click();
      await item.getByText('In progress').waitFor();
      expect(
        (
          await db()
            .selectFrom('refills')
            .select('status')
            .where('id', '=', refillId)
            .executeTakeFirstOrThrow()
        ).status,
      ).toBe('in_progress');

      await page.getByRole('link', { name: 'Cancels' }).click();
      await page.getByRole('heading', { name: 'Cancel requests' }).waitFor();
      const c = page.getByRole('link', { name: new RegExp(`Order #${toCancel}`) });
      await c.waitFor();
      await web.shot(page, `admin-cancels-${label}`);
      await c.click();
      await page.getByRole('heading', { name: `Order #${toCancel}` }).waitFor();
      await page.getByText('Cancel asked').waitFor();
    });
  }

  it('support sees only Processing and In progress, and no review buttons', async () => {
    const cli = await web.cli([
      'users',
      'create',
      '--username',
      'helper_orders',
      '--password',
      PASSWORD,
      '--role',
      'support',
    ]);
    expect(cli.err).toEqual([]);
    const manual = await place(handService, 100, 'support');
    const review = await inReview();
    const page = await web.newPage(PHONE);
    await web.signIn(page, 'helper_orders', PASSWORD);
    await page.goto(`/admin/orders/${manual}`);
    await page.getByRole('heading', { name: `Order #${manual}` }).waitFor();
    const options = await page.getByLabel('New status').locator('option').allTextContents();
    expect(options).toEqual(['Choose…', 'Processing', 'In progress']);
    await page.getByLabel('New status').selectOption('in_progress');
    await page.getByRole('button', { name: 'Set status' }).click();
    await page.getByRole('button', { name: 'Yes, set it' }).click();
    await page.getByText('Done: In progress. Refunded 0.00 USD.').waitFor();
    await page.goto(`/admin/orders/${review}`);
    await page.getByRole('heading', { name: 'Needs a decision' }).waitFor();
    await page.getByText('An admin must decide: it changes what the customer pays.').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel and refund' }).count()).toBe(0);
    await web.shot(page, 'admin-order-review-support');
  });
});
