/**
 * The admin Payments pages in a real browser (chromium, a real panel process): a customer files a
 * manual payment through the web API; the admin finds it in the manual queue, approves it with a
 * note, and the payment says completed and credited; the customer's balance has it and their Funds
 * page shows the credit. Support sees the same payment without the buttons that move money. The
 * admin adds a Cryptomus method through the Settings form: a refused setting is said at its field,
 * the list then says the key is set, and no page ever carries the key. At 390x844 and 1280x800.
 */
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer } from '../src/http/server.js';
import { adjustFunds } from '../src/ledger/adjust-funds.js';
import { rejectPayment } from '../src/payments/decide-payment.js';
import { createPaymentMethod } from '../src/payments/manage-payment-methods.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { setMailSettings } from '../src/settings/settings.js';
import { adminActor } from './helpers/actor.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';
import { type FakeCryptomus, startFakeCryptomus } from './helpers/fake-cryptomus.js';
import { WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const API_KEY = 'cryptomus-secret-payment-key-4711';
/** The panel's secrets key, so the test's own web API and the panel open the same method secrets. */
const SECRETS_KEY = '5e'.repeat(32);
const GATEWAY_KEY = 'fake-gateway-api-key-0815';

describeBrowser('admin payments in chromium', () => {
  const web = browserSuite('admin-payments', { SECRETS_KEY });
  const box = SecretBox.fromKey(Buffer.from(SECRETS_KEY, 'hex'));
  let app: FastifyInstance;
  let methodId: number;
  let gateway: FakeCryptomus;

  beforeAll(async () => {
    // The web API on the panel's own database: how the customers below file their payments.
    app = await buildServer({ db: web.db.db, secretBox: box, logLevel: 'warn' });
    gateway = await startFakeCryptomus({ merchant: 'fake-merchant-uuid', apiKey: GATEWAY_KEY });
    const made = await createPaymentMethod({
      db: web.db.db,
      box,
      actor: await adminActor(web.db.db),
      kind: 'manual',
      input: {
        name: 'Bank transfer',
        instructions: 'IBAN XX00 1234; put your username in the reference.',
        min: '5',
        max: '1000',
        adjustPercent: '0',
        enabled: true,
        settings: {},
      },
    });
    if (!made.ok) throw new Error(made.failure.code);
    methodId = made.value.id;
  });
  afterAll(async () => {
    await app?.close();
    await gateway?.close();
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

  async function customer(username: string): Promise<WebClient> {
    const r = await web.cli(['users', 'create', '--username', username, '--password', PASSWORD]);
    expect(r.err).toEqual([]);
    const c = new WebClient(app);
    const signed = await c.signIn(username, PASSWORD);
    expect(signed.status).toBe(200);
    return c;
  }

  async function filePayment(c: WebClient, amount: string, reference: string): Promise<number> {
    const r = await c.post('/payments', { methodId, amount, reference });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.state).toBe('pending');
    return r.body.id as number;
  }

  it("phone: a gateway payment shows its invoice and the gateway's raw messages, oldest first", async () => {
    const crypto = await createPaymentMethod({
      db: web.db.db,
      box,
      actor: await adminActor(web.db.db),
      kind: 'cryptomus',
      input: {
        name: 'Crypto (test gateway)',
        instructions: '',
        min: '1',
        max: '1000',
        adjustPercent: '0',
        enabled: true,
        settings: { merchant: gateway.merchant, apiKey: GATEWAY_KEY, apiUrl: gateway.url },
      },
    });
    if (!crypto.ok) throw new Error(crypto.failure.code);
    // The gateway calls the panel process back.
    await setMailSettings(web.db.db, { publicUrl: web.url });
    const c = await customer('crypto_payer');
    const started = await c.post('/payments', { methodId: crypto.value.id, amount: '40' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.id as number;
    const uuid = [...gateway.invoices.keys()][0] as string;
    gateway.setStatus(uuid, { status: 'paid', paymentAmount: '40.00' });
    expect((await gateway.callback(uuid)).status).toBe(200);

    const page = await web.newPage(PHONE);
    await signIn(page, 'admin', web.adminPassword);
    await page.goto(`/admin/payments/${id}`);
    await page.getByRole('heading', { name: `Payment #${id}` }).waitFor();
    await page.getByText('Completed', { exact: true }).first().waitFor();
    await page.getByText(uuid).first().waitFor();
    await page.getByRole('heading', { name: 'Gateway messages' }).waitFor();
    const events = page.getByRole('listitem').filter({ has: page.locator('pre') });
    expect(await events.count()).toBeGreaterThanOrEqual(2);
    await expect.poll(() => events.first().textContent()).toContain('Invoice created');
    expect(await events.last().textContent()).toContain('Callback');
    expect(await events.last().locator('pre').textContent()).toContain(uuid);
    // A long body wraps inside the page: nothing wider than the phone.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    expect(await page.content()).not.toContain(GATEWAY_KEY);
    await web.shot(page, 'admin-payment-gateway-phone');
    await page.context().close();
  });

  for (const [size, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    it(`${size}: the admin approves a manual payment from the queue; the customer sees the credit`, async () => {
      const buyer = `payer_${size}`;
      const c = await customer(buyer);
      const reference = `TX-${size}-20261201`;
      const id = await filePayment(c, '25.50', reference);

      const page = await web.newPage(viewport);
      await signIn(page, 'admin', web.adminPassword);
      // The tab counts the manual payments waiting.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
      const tabs = page.getByRole('navigation', { name: 'Admin' });
      await tabs.getByRole('link', { name: /^Payments 1 manual payment to decide$/ }).click();
      await page.getByRole('heading', { name: 'Payments', exact: true }).waitFor();
      await page.getByRole('link', { name: /Manual queue/ }).click();
      await page.waitForURL(/state=pending/);
      const row = page.getByRole('link', { name: new RegExp(`^Payment #${id}\\b`) });
      await row.waitFor();
      await web.shot(page, `admin-payments-queue-${size}`);

      await row.click();
      await page.getByRole('heading', { name: `Payment #${id}` }).waitFor();
      await page.getByText(reference).first().waitFor();
      const received = page.getByLabel(/^Received \(/);
      expect(await received.inputValue()).toBe('25.50');
      await page.getByLabel('Note', { exact: true }).fill(`Seen on the bank statement (${size})`);
      await web.shot(page, `admin-payment-pending-${size}`);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('button', { name: 'Yes, approve' }).click();
      await page.getByRole('status').getByText(`added to ${buyer}'s balance`).waitFor();
      await page.getByText('Completed', { exact: true }).first().waitFor();
      expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      // Credited: the amount in the facts, the ledger entry with the balance after it.
      await page.getByText('Payment', { exact: true }).waitFor();
      await page.getByText(`Seen on the bank statement (${size})`).waitFor();
      await page.getByText('Balance after: 25.50').waitFor();
      await page.getByRole('button', { name: 'Reverse' }).waitFor();
      await web.shot(page, `admin-payment-approved-${size}`);

      const funds = await c.get('/funds');
      expect(funds.status).toBe(200);
      expect(funds.body.balance).toBe('25.50');

      // A chargeback after the customer spent most of it: 5.50 is taken back, 20.00 is a shortfall.
      const spent = await adjustFunds({
        db: web.db.db,
        actor: await adminActor(web.db.db),
        username: buyer,
        amountUnits: -200_000_000n,
        note: 'spent elsewhere',
      });
      expect(spent.ok).toBe(true);
      await page.getByLabel('Why').fill('Chargeback notice from the bank');
      await page.getByRole('button', { name: 'Reverse', exact: true }).click();
      await page.getByRole('button', { name: 'Yes, reverse' }).click();
      await page.getByRole('status').getByText('Reversed: 5.50 USD taken back.').waitFor();
      await page.getByRole('alert').getByText('Shortfall: 20.00 USD could not be taken back').waitFor();
      await page.getByText('Reversed', { exact: true }).first().waitFor();
      expect(await page.getByRole('button', { name: 'Reverse', exact: true }).count()).toBe(0);
      await web.shot(page, `admin-payment-reversed-${size}`);
      expect((await c.get('/funds')).body.balance).toBe('0.00');

      // Back in the list: no longer in the queue, completed in all payments.
      await page.getByRole('link', { name: /All payments/ }).click();
      await page.getByRole('link', { name: /Manual queue/ }).click();
      await page.getByText('No payments.').waitFor();
      await page.getByRole('link', { name: 'All payments' }).click();
      await page.getByRole('link', { name: new RegExp(`^Payment #${id}\\b`) }).waitFor();
      await page.getByRole('heading', { name: /^Totals / }).waitFor();
      await page
        .getByText(/Reversed \d/)
        .filter({ visible: true })
        .waitFor();
      await web.shot(page, `admin-payments-all-${size}`);
      await page.context().close();

      // The customer's own Funds page shows the credit (and the reversal).
      const own = await web.newPage(viewport);
      await signIn(own, buyer, PASSWORD);
      await own.goto('/funds');
      await own.getByText('+25.50').waitFor();
      await own.getByText('Payment', { exact: true }).first().waitFor();
      await own.getByText('Payment reversed', { exact: true }).waitFor();
      await web.shot(own, `admin-payments-customer-funds-${size}`);
      await own.context().close();
    });

    it(`${size}: support sees a pending payment but cannot decide it`, async () => {
      const helper = `cashier_${size}`;
      const r = await web.cli([
        'users',
        'create',
        '--username',
        helper,
        '--role',
        'support',
        '--password',
        PASSWORD,
      ]);
      expect(r.err).toEqual([]);
      const c = await customer(`waiter_${size}`);
      const id = await filePayment(c, '12', `REF-${size}`);

      const page = await web.newPage(viewport);
      await signIn(page, helper, PASSWORD);
      await adminTab(page, 'Payments');
      await page.getByRole('link', { name: new RegExp(`^Payment #${id}\\b`) }).click();
      await page.getByRole('heading', { name: `Payment #${id}` }).waitFor();
      await page.getByText('Waiting for an admin to approve or reject it.').waitFor();
      expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Reject' }).count()).toBe(0);
      await page.context().close();

      // The admin is about to approve it when another admin rejects it: the page says so and reloads.
      const admin = await web.newPage(viewport);
      await signIn(admin, 'admin', web.adminPassword);
      await admin.goto(`/admin/payments/${id}`);
      await admin.getByRole('button', { name: 'Approve' }).click();
      const other = await rejectPayment({
        db: web.db.db,
        actor: await adminActor(web.db.db),
        paymentId: id,
        note: 'no such transfer',
      });
      expect(other.ok).toBe(true);
      await admin.getByRole('button', { name: 'Yes, approve' }).click();
      await admin.getByRole('alert').getByText(`Payment ${id} is rejected, not pending`).waitFor();
      await admin.getByText('Rejected', { exact: true }).first().waitFor();
      await admin.getByText('no such transfer').waitFor();
      expect(await admin.getByRole('button', { name: /Approve/ }).count()).toBe(0);
      await web.shot(admin, `admin-payment-not-pending-${size}`);

      // Rejected through the page: nothing credited.
      const second = await filePayment(c, '30', `REF2-${size}`);
      await admin.goto(`/admin/payments/${second}`);
      await admin.getByLabel('Note', { exact: true }).fill('No transfer arrived');
      await admin.getByRole('button', { name: 'Reject' }).click();
      await admin.getByRole('button', { name: 'Yes, reject' }).click();
      await admin.getByRole('status').getByText('Rejected. Nothing was credited.').waitFor();
      await admin.getByText('Rejected', { exact: true }).first().waitFor();
      expect((await c.get('/funds')).body.balance).toBe('0.00');
      await admin.context().close();
    });

    it(`${size}: the admin adds a Cryptomus method in Settings; its key is never shown`, async () => {
      const name = `Crypto ${size}`;
      const page = await web.newPage(viewport);
      await signIn(page, 'admin', web.adminPassword);
      await adminTab(page, 'Settings');
      await page.getByRole('link', { name: 'Payment methods' }).click();
      await page.getByRole('heading', { name: 'Payment methods', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Add a method' }).click();
      await page.getByLabel('Kind').selectOption({ label: 'Cryptomus (crypto)' });
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Smallest amount').fill('10');
      await page.getByLabel('Largest amount').fill('5'); // below the smallest: refused at its field
      await page.getByLabel('Merchant UUID').fill('8b03432e-385b-4670-8d06-064591096795');
      await page.getByLabel('Payment API key').fill(API_KEY);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('alert').getByText('must not be below the minimum').waitFor();
      await web.shot(page, `admin-payment-method-refused-${size}`);
      await page.getByLabel('Largest amount').fill('5000');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('status').getByText(`${name} added.`).waitFor();

      const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
      await card.getByText('Payment API key').waitFor();
      expect(await card.getByText('set', { exact: true }).count()).toBe(1);
      expect(await page.content()).not.toContain(API_KEY);
      await web.shot(page, `admin-payment-methods-${size}`);

      // Edit: the key field starts empty and says the key is set; saving without it keeps it.
      await card.getByRole('button', { name: `Edit ${name}` }).click();
      const key = page.getByLabel('Payment API key');
      expect(await key.inputValue()).toBe('');
      await page.getByText('set · leave empty to keep').waitFor();
      await page.getByLabel('Fee or bonus (%)').fill('-2.5');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('status').getByText(`${name} saved.`).waitFor();
      const saved = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
      await saved.getByText('2.5% fee').waitFor();
      expect(await saved.getByText('set', { exact: true }).count()).toBe(1);
      expect(await page.content()).not.toContain(API_KEY);
      const audit = await web.cli(['--json', 'audit', 'list']);
      expect(audit.out.join('\n')).not.toContain(API_KEY);
      await page.context().close();
    });
  }
});
