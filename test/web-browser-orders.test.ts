/**
 * The Orders pages in a real browser (chromium, a real panel process on SQLite): search by id and by
 * link (the URL keeps the view), a status tab, an order's own page with its drip-feed runs and its
 * refills, a subscription's page, and the Refills view. Screenshots at 390x844 and 1280x800 go to
 * test/screenshots/ (orders-*, look at them).
 */
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { resetPassword } from '../src/accounts/reset-password.js';
import { inTransaction } from '../src/db/transaction.js';
import { insertRun } from '../src/orders/dripfeed.repo.js';
import { findOrder } from '../src/orders/orders.repo.js';
import { placeOrder } from '../src/orders/place-order.js';
import { setOrderStatus } from '../src/orders/set-order-status.js';
import { payDeliveredPostsInTx } from '../src/orders/subscription-reserve.js';
import { createRefill } from '../src/refills/create-refill.js';
import { adminActor } from './helpers/actor.js';
import { seedService, seedUser } from './helpers/api.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';

const PASSWORD = 'orders password 1';

describeBrowser('orders pages in chromium', () => {
  const web = browserSuite('orders');
  let username = '';
  let followers = 0;
  let completed = 0;
  let drip = 0;
  let subscription = 0;
  const links: number[] = [];

  beforeAll(async () => {
    const db = web.db.db;
    const svc = await seedService(db, {
      name: 'Instagram Followers',
      rate: '0.73',
      min: 100,
      max: 10000,
      refill: true,
      cancel: true,
      dripfeed: true,
    });
    const subs = await seedService(db, { name: 'Auto Likes', type: 'Subscriptions', rate: '1.2', min: 50 });
    const u = await seedUser(db, '100');
    username = u.username;
    await resetPassword({ db, actor: await adminActor(db), username, password: PASSWORD });
    const place = async (service: number, fields: Record<string, string>) => {
      const r = await placeOrder({
        db,
        userId: u.id,
        serviceId: String(service),
        params: { get: (n) => fields[n], isMalformed: () => false },
      });
      if (!r.ok) throw new Error(JSON.stringify(r.failure));
      return r.value.orderId;
    };
    for (const name of ['alice_shop', 'bob.bakery', 'carla_art'])
      links.push(await place(svc, { link: `https://instagram.com/${name}`, quantity: '1000' }));
    followers = links[0] as number;
    completed = links[1] as number;
    await setOrderStatus({
      db,
      actor: await adminActor(db),
      orderId: completed,
      change: { status: 'completed', startCount: 5120n },
    });
    const refill = await createRefill({ db, userId: u.id, orderId: completed });
    if (!refill.ok) throw new Error('refill');
    await place(svc, { link: 'instagram.com/dave_plain', quantity: '100' });

    drip = await place(svc, {
      link: 'https://instagram.com/p/drip',
      quantity: '500',
      runs: '4',
      interval: '30',
    });
    const parent = await findOrder(db, drip);
    if (!parent) throw new Error('no drip order');
    await insertRun(db, { parent, runIndex: 1, now: Date.now() - 3_600_000 });
    await insertRun(db, { parent, runIndex: 2, now: Date.now() - 1_800_000 });
    const runs = await db
      .selectFrom('orders')
      .select('id')
      .where('parent_order_id', '=', drip)
      .orderBy('run_index')
      .execute();
    await setOrderStatus({
      db,
      actor: await adminActor(db),
      orderId: Number(runs[0]?.id),
      change: { status: 'completed', remains: 0n, startCount: 800n },
      force: true,
    });
    await setOrderStatus({
      db,
      actor: await adminActor(db),
      orderId: Number(runs[1]?.id),
      change: { status: 'in_progress', remains: 120n, startCount: 1300n },
      force: true,
    });

    subscription = await place(subs, { username: 'alice_shop', min: '100', max: '200', delay: '30' });
    await inTransaction(db, async (tx) => {
      const o = await findOrder(tx, subscription);
      if (!o) throw new Error('no subscription');
      await payDeliveredPostsInTx(tx, o, 2n, { ended: false, now: Date.now() });
    });
  });

  const orderCards = (page: Page) => page.getByRole('link', { name: /^Details of order \d+$/ });

  for (const size of [PHONE, DESKTOP]) {
    it(`searches, filters and opens orders (${size.width}x${size.height})`, async () => {
      const page = await web.newPage(size);
      await web.signIn(page, username, PASSWORD);
      await page.getByRole('link', { name: 'Orders', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Orders' }).waitFor();
      await expect.poll(() => orderCards(page).count()).toBe(6);
      await page.waitForLoadState('networkidle');
      await web.shot(page, 'orders-list');

      // By id: the box, then the URL, then the list.
      await page.getByLabel('Search').fill(String(followers));
      await expect.poll(() => new URL(page.url()).searchParams.get('q')).toContain(String(followers));
      await expect.poll(() => orderCards(page).count()).toBe(1);
      await page.getByRole('link', { name: `Details of order ${followers}` }).waitFor();

      // By link, any case; a reload keeps the search.
      await page.getByLabel('Search').fill('BOB.bak');
      await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('BOB.bak');
      await expect.poll(() => orderCards(page).count()).toBe(1);
      await page.reload();
      await expect.poll(() => orderCards(page).count()).toBe(1);
      expect(await page.getByLabel('Search').inputValue()).toBe('BOB.bak');
      await page.getByRole('link', { name: `Details of order ${completed}` }).waitFor();
      await web.shot(page, 'orders-search');

      await page.getByRole('button', { name: 'Clear' }).click();
      await expect.poll(() => orderCards(page).count()).toBe(6);
      expect(new URL(page.url()).searchParams.get('q')).toBeNull();

      // The menu's Orders link shows all orders again, and the box follows (the search does not come back).
      await page.getByLabel('Search').fill('carla');
      await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('carla');
      await expect.poll(() => orderCards(page).count()).toBe(1);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
      await expect.poll(() => page.getByLabel('Search').inputValue()).toBe('');
      await expect.poll(() => orderCards(page).count()).toBe(6);
      await page.waitForTimeout(800);
      expect(new URL(page.url()).searchParams.get('q')).toBeNull();

      // A status tab.
      await page.getByRole('tab', { name: 'Completed' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe('completed');
      await expect.poll(() => orderCards(page).count()).toBe(1);
      await page.getByRole('tab', { name: 'Pending' }).click();
      await expect.poll(() => orderCards(page).count()).toBe(5);
      await page.getByLabel('Search').fill('nothing like this');
      await page.getByText('No orders match').waitFor();

      // An order's page: its runs.
      await page.goto(`/orders/${drip}`);
      await page.getByRole('heading', { name: `Order #${drip}` }).waitFor();
      await page.getByRole('heading', { name: 'Runs: 2 of 4' }).waitFor();
      await page.getByRole('heading', { name: 'Run 1' }).waitFor();
      await page.getByRole('button', { name: `Cancel order ${drip}` }).waitFor();
      await page.waitForLoadState('networkidle');
      await web.shot(page, 'orders-dripfeed');

      // The completed order's page: refill already asked, so no Refill button; its refill listed.
      await page.goto('/orders');
      await page.getByRole('link', { name: `Details of order ${completed}` }).click();
      await page.getByRole('heading', { name: `Order #${completed}` }).waitFor();
      await page.getByText(/^Refill #\d+$/).waitFor();
      expect(await page.getByRole('button', { name: `Refill order ${completed}` }).count()).toBe(0);

      await page.goto(`/orders/${subscription}`);
      await page.getByRole('heading', { name: 'Subscription' }).waitFor();
      await page.getByText('2 done (no limit)').waitFor();
      await page.waitForLoadState('networkidle');
      await web.shot(page, 'orders-subscription');

      // Not an order of ours: the API's words.
      await page.goto('/orders/99999999');
      await page.getByText('Incorrect order ID').waitFor();

      await page.goto('/orders');
      await page.getByRole('link', { name: 'Refills', exact: true }).click();
      await page.getByRole('heading', { name: 'Refills' }).waitFor();
      await page.getByRole('link', { name: `Order #${completed}` }).waitFor();
      await page.waitForLoadState('networkidle');
      await web.shot(page, 'orders-refills');
      await page.context().close();
    });
  }
});
