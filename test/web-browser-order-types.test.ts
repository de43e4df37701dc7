/**
 * Every one of the 11 order types placed through the New order form in chromium on a phone-sized
 * screen (drip-feed included), each charged exactly what the server's money rules say; then refill and
 * cancel from the Orders page and the status tabs. A real panel process on SQLite; the operator moves
 * orders with the CLI, as they would without a provider.
 */

import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { adjustFunds } from '../src/ledger/adjust-funds.js';
import { adminActor } from './helpers/actor.js';
import { seedService } from './helpers/api.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';

interface Case {
  type: string;
  /** Label -> value typed into that field (selects are chosen by value). */
  fields: [label: string, value: string][];
  charge: string;
  /** Extra words the Orders page shows for this order. */
  shows?: string;
  dripfeed?: [runs: string, interval: string];
}

const LINK = 'https://instagram.com/p/abc';

// Rate 2 per 1000 for every service: charge = 2 x quantity / 1000.
const CASES: Case[] = [
  {
    type: 'Default',
    fields: [
      ['Link', LINK],
      ['Quantity', '1500'],
    ],
    charge: '3.00 USD',
  },
  {
    type: 'Default',
    fields: [
      ['Link', `${LINK}/drip`],
      ['Quantity', '500'],
    ],
    dripfeed: ['3', '30'],
    charge: '3.00 USD',
    shows: '3 runs every 30 min',
  },
  { type: 'Custom Comments', fields: [['Comments', 'Nice!\nGreat post\nWow']], charge: '0.006 USD' },
  { type: 'Comment Replies', fields: [['Comments', 'Thanks\nAgreed']], charge: '0.004 USD' },
  { type: 'Mentions Custom List', fields: [['Usernames', 'ann\nbob\ncat\ndan']], charge: '0.008 USD' },
  {
    type: 'Mentions',
    fields: [
      ['Quantity', '100'],
      ['Usernames', 'ann\nbob'],
    ],
    charge: '0.20 USD',
  },
  {
    type: 'Mentions with Hashtags',
    fields: [
      ['Quantity', '200'],
      ['Usernames', 'ann\nbob'],
      ['Hashtags', 'sale\nnew'],
    ],
    charge: '0.40 USD',
  },
  {
    type: 'Mentions Hashtag',
    fields: [
      ['Quantity', '300'],
      ['Hashtag', 'summer'],
    ],
    charge: '0.60 USD',
  },
  {
    type: 'Mentions User Followers',
    fields: [
      ['Quantity', '400'],
      ['Username', 'bigaccount'],
    ],
    charge: '0.80 USD',
  },
  {
    type: 'Mentions Media Likers',
    fields: [
      ['Quantity', '500'],
      ['Media link', 'https://instagram.com/p/media1'],
    ],
    charge: '1.00 USD',
  },
  {
    type: 'Poll',
    fields: [
      ['Quantity', '600'],
      ['Poll question', 'Best colour?'],
      ['Answers', 'Red\nBlue'],
    ],
    charge: '1.20 USD',
  },
];

/** The Orders page's entries (each starts "Order #id ·"), or the one of this order. */
const orderCards = (page: Page) => page.getByRole('listitem').filter({ hasText: /^Order #\d+ ·/ });
const orderCard = (page: Page, id: number) =>
  page.getByRole('listitem').filter({ hasText: new RegExp(`^Order #${id} ·`) });

describeBrowser('every order type in chromium', () => {
  const web = browserSuite('order-types');
  const ids = new Map<string, number>();

  beforeAll(async () => {
    const db = web.db.db;
    for (const type of new Set(CASES.map((c) => c.type))) {
      ids.set(
        type,
        await seedService(db, {
          name: `${type} service`,
          category: 'Instagram',
          type,
          rate: '2',
          min: 1,
          max: 100000,
          dripfeed: type === 'Default',
          refill: type === 'Default',
          cancel: type === 'Default',
        }),
      );
    }
    ids.set(
      'Subscriptions',
      await seedService(db, {
        name: 'Auto likes',
        category: 'Instagram',
        type: 'Subscriptions',
        rate: '2',
        min: 50,
        max: 100000,
      }),
    );
    const r = await web.cli(['users', 'create', '--username', 'typist', '--password', 'typist password 1']);
    expect(r.code).toBe(0);
    const funds = await adjustFunds({
      db,
      actor: await adminActor(db),
      username: 'typist',
      amountUnits: 100n * 10n ** 7n,
    });
    expect(funds.ok).toBe(true);
  });

  async function place(page: Page, serviceId: number): Promise<number> {
    await page.getByRole('button', { name: 'Place order' }).click();
    const created = page.getByRole('status').filter({ hasText: /Order #\d+ created/ });
    await created.waitFor();
    const id = Number(/Order #(\d+)/.exec((await created.textContent()) ?? '')?.[1]);
    expect(id, `service ${serviceId}`).toBeGreaterThan(0);
    return id;
  }

  it('places every type through the form, each charged as the server computes it (phone)', async () => {
    const page = await web.newPage(PHONE);
    page.setDefaultTimeout(8000);
    await web.signIn(page, 'typist', 'typist password 1');
    const placed: { id: number; c: Case }[] = [];
    for (const c of CASES) {
      const serviceId = ids.get(c.type) as number;
      await page.goto(`/new?service=${serviceId}`);
      await page.getByRole('heading', { name: 'New order' }).waitFor();
      await expect.poll(() => page.getByLabel('Service').inputValue()).toBe(String(serviceId));
      if (!c.fields.some(([label]) => label === 'Link'))
        await page.getByLabel('Link', { exact: true }).fill(`${LINK}/${placed.length}`);
      for (const [label, value] of c.fields) await page.getByLabel(label, { exact: true }).fill(value);
      if (c.dripfeed) {
        await page.getByLabel('Drip-feed (deliver in several runs)').check();
        await page.getByLabel('Runs', { exact: true }).fill(c.dripfeed[0]);
        await page.getByLabel('Interval (minutes)').fill(c.dripfeed[1]);
      }
      await expect.poll(() => page.getByTestId('charge').textContent(), { timeout: 5000 }).toBe(c.charge);
      placed.push({ id: await place(page, serviceId), c });
    }
    await web.shot(page, 'order-poll');

    // A subscription: username, min/max per post, a fixed number of posts, a delay; the charge is
    // set aside for the posts, and per post it is the server's figure.
    const subscription = ids.get('Subscriptions') as number;
    await page.goto(`/new?service=${subscription}`);
    await page.getByLabel('Username', { exact: true }).fill('brand');
    await page.getByLabel('Minimum per post').fill('100');
    await page.getByLabel('Maximum per post').fill('200');
    await page.getByLabel('Delay').selectOption('30');
    // Open-ended: charged per post as delivered, with a reserve set aside now.
    await page.getByText('0.40 USD per post, charged as posts are delivered').waitFor();
    // Five posts: charged now for all five at the maximum.
    await page.getByLabel('Number of new posts (optional)').fill('5');
    await expect.poll(() => page.getByTestId('charge').textContent()).toBe('2.00 USD');
    await web.shot(page, 'order-subscription');
    const subId = await place(page, subscription);

    // Every order is on the Orders page with its own charge, newest first.
    await page.goto('/orders');
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await page.getByText(`Order #${subId}`).waitFor();
    for (const { id, c } of placed) {
      const card = orderCard(page, id);
      await expect.poll(() => card.count(), { timeout: 5000 }).toBe(1);
      await card.getByText(c.charge, { exact: true }).waitFor();
      if (c.shows) await card.getByText(c.shows, { exact: false }).waitFor();
    }
    // 100 - (3 + 3 + 0.006 + 0.004 + 0.008 + 0.2 + 0.4 + 0.6 + 0.8 + 1 + 1.2) - reserve of 5 posts x 0.4
    await page.getByText('87.782 USD').first().waitFor();
    await page.context().close();
  });

  it('refill and cancel from the Orders page, and the status tabs (desktop)', async () => {
    const page = await web.newPage(DESKTOP);
    await web.signIn(page, 'typist', 'typist password 1');
    const serviceId = ids.get('Default') as number;

    // One order to complete (then refill), one to cancel.
    await page.goto(`/new?service=${serviceId}`);
    await page.getByLabel('Link', { exact: true }).fill('https://instagram.com/refill-me');
    await page.getByLabel('Quantity').fill('1000');
    await expect.poll(() => page.getByTestId('charge').textContent()).toBe('2.00 USD');
    const done = await place(page, serviceId);
    await page.goto(`/new?service=${serviceId}`);
    await page.getByLabel('Link', { exact: true }).fill('https://instagram.com/cancel-me');
    await page.getByLabel('Quantity').fill('1000');
    await expect.poll(() => page.getByTestId('charge').textContent()).toBe('2.00 USD');
    const toCancel = await place(page, serviceId);
    const set = await web.cli(['orders', 'set', '--order', String(done), '--status', 'Completed']);
    expect(set.code, set.err.join('\n')).toBe(0);

    await page.goto('/orders');
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    // A completed order cannot be canceled; a pending one cannot be refilled.
    await page.getByRole('button', { name: `Refill order ${done}` }).waitFor();
    expect(await page.getByRole('button', { name: `Cancel order ${done}` }).count()).toBe(0);
    expect(await page.getByRole('button', { name: `Refill order ${toCancel}` }).count()).toBe(0);

    await page.getByRole('button', { name: `Refill order ${done}` }).click();
    await page.getByText(/Refill #\d+ requested\./).waitFor();
    await page.getByRole('button', { name: `Cancel order ${toCancel}` }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.getByText('Cancellation requested.').waitFor();
    await page.getByText('Cancellation requested, waiting for the provider.').waitFor();
    await web.shot(page, 'orders-actions');
    // No provider here: the operator cancels it (refunded in full), and the tabs sort the orders.
    const cancel = await web.cli(['orders', 'set', '--order', String(toCancel), '--status', 'Canceled']);
    expect(cancel.code, cancel.err.join('\n')).toBe(0);
    await page.getByRole('tab', { name: 'Canceled' }).click();
    await orderCard(page, toCancel).waitFor();
    await expect.poll(() => orderCards(page).count()).toBe(1);
    await page.getByRole('tab', { name: 'Completed' }).click();
    await orderCard(page, done).waitFor();
    await expect.poll(() => orderCards(page).count()).toBe(1);
    await page.getByRole('tab', { name: 'Partial' }).click();
    await page.getByText('No orders here yet.').waitFor();
    await web.shot(page, 'orders-tab-empty');
    await page.getByRole('tab', { name: 'All' }).click();
    await expect.poll(() => orderCards(page).count()).toBe(14);
    await page.context().close();
  });
});
