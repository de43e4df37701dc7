/**
 * Adding funds in a real browser (chromium, a real panel process, the fake Cryptomus on 127.0.0.1):
 * on a phone the customer chooses the crypto method, sees exactly what will be added, pays on the
 * gateway's page and comes back to the payment's page, which shows it completed and the new balance
 * in the header; a second invoice paid while its page is open is followed there (polling) until the
 * callback lands. On a desktop the customer files a bank transfer with its reference, sees the exact
 * credit after the fee, sees it pending, and later rejected with the admin's note; a chargeback on a
 * crypto payment shows as reversed and taken back in the history.
 * Screenshots at 390x844 and 1280x800 go to test/screenshots/ (look at them).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { rejectPayment } from '../src/payments/decide-payment.js';
import { createPaymentMethod } from '../src/payments/manage-payment-methods.js';
import { reversePayment } from '../src/payments/reverse-payment.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { adminActor } from './helpers/actor.js';
import { seedService } from './helpers/api.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';
import { type FakeCryptomus, startFakeCryptomus } from './helpers/fake-cryptomus.js';

const PASSWORD = 'payments browser password';
/** The panel process seals the method's API key with this key; the test seals it with the same. */
const SECRETS_KEY = 'ab'.repeat(32);
const MERCHANT = '8b2a7f5e-1c4d-4e9a-9f00-3c2d1b0a9e88';
const API_KEY = 'fake-cryptomus-payment-key';

describeBrowser('adding funds in chromium', () => {
  const web = browserSuite('payments', { SECRETS_KEY });
  let fake: FakeCryptomus;

  beforeAll(async () => {
    fake = await startFakeCryptomus({ merchant: MERCHANT, apiKey: API_KEY });
    const db = web.db.db;
    const box = SecretBox.fromKey(Buffer.from(SECRETS_KEY, 'hex'));
    const actor = await adminActor(db);
    // Sign-in lands on the New order page, which has a heading once there is a service.
    await seedService(db, { name: 'Instagram Followers', rate: '1' });
    const crypto = await createPaymentMethod({
      db,
      box,
      actor,
      kind: 'cryptomus',
      input: {
        name: 'Crypto (USDT, BTC)',
        instructions: 'Pay in any coin Cryptomus takes.\nThe invoice is open for 1 hour.',
        min: '5',
        max: '1000',
        adjustPercent: '0',
        enabled: true,
        settings: { merchant: MERCHANT, apiKey: API_KEY, apiUrl: fake.url, lifetime: '' },
      },
    });
    if (!crypto.ok) throw new Error(`cryptomus method: ${JSON.stringify(crypto.failure)}`);
    const manual = await createPaymentMethod({
      db,
      box,
      actor,
      kind: 'manual',
      input: {
        name: 'Bank transfer',
        instructions:
          'IBAN: DE00 1234 5678 9000 0000 00\nName: Example Panel Ltd\nWrite your username in the transfer.',
        min: '10',
        max: '5000',
        adjustPercent: '-2.5',
        enabled: true,
        settings: {},
      },
    });
    if (!manual.ok) throw new Error(`manual method: ${JSON.stringify(manual.failure)}`);
    const u = await createUser({ db, actor: SYSTEM, input: { username: 'dana_pays', password: PASSWORD } });
    if (!u.ok) throw new Error(`user: ${u.failure.code}`);
  });
  afterAll(async () => {
    await fake?.close();
  });

  const headerBalance = (page: Page) => page.getByRole('link', { name: 'Balance' });

  it('phone: pays 10 with crypto at the gateway, comes back to it completed and the balance at 10.00', async () => {
    const page = await web.newPage(PHONE);
    await web.signIn(page, 'dana_pays', PASSWORD);
    await page.getByRole('link', { name: 'Funds', exact: true }).click();
    await page.getByRole('heading', { name: 'Add funds' }).waitFor();
    // Nothing paid yet: the list says so, and the operator's old text is gone (there are methods).
    await page.getByText('No payments yet.').waitFor();
    expect(await page.getByText('To add funds, contact the operator').count()).toBe(0);

    await page.getByRole('radio', { name: /Crypto \(USDT, BTC\)/ }).check();
    await page.getByText('The invoice is open for 1 hour.').waitFor();
    const amount = page.getByLabel('Amount (USD)');
    expect(await amount.getAttribute('inputmode')).toBe('decimal');
    await amount.fill('3');
    await page.getByText('The smallest amount for this method is 5.00').waitFor();
    await amount.fill('10');
    await expect
      .poll(() => page.getByTestId('credit-line').textContent())
      .toBe('You pay 10.00 USD, we add 10.00 USD to your balance');
    // A crypto payment needs no reference.
    expect(await page.getByLabel('Transfer reference').count()).toBe(0);
    await web.shot(page, 'funds-add-crypto');

    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.waitForURL(`${fake.url}/pay/**`);
    const uuid = /\/pay\/([0-9a-f-]{36})$/.exec(page.url())?.[1] as string;
    const invoice = fake.invoices.get(uuid);
    expect(invoice?.amount).toBe('10.00');
    expect(invoice?.currency).toBe('USD');
    expect(invoice?.urlSuccess).toMatch(new RegExp(`^${web.url}/funds/\\d+$`));
    await page.getByRole('button', { name: 'Pay' }).click();

    await page.waitForURL(/\/funds\/\d+$/);
    const paymentId = Number(/\/funds\/(\d+)$/.exec(page.url())?.[1]);
    await page.getByRole('heading', { name: `Payment #${paymentId}` }).waitFor();
    await page.getByText('Completed', { exact: true }).waitFor();
    await page.getByText('10.00 USD added to your balance.').waitFor();
    await expect.poll(() => headerBalance(page).textContent()).toBe('10.00 USD');
    await page.getByTestId('new-balance').getByText('Your balance now: 10.00 USD').waitFor();
    await web.shot(page, 'funds-payment-completed');

    // The list shows it completed, the history shows the credit.
    await page.getByRole('link', { name: 'Back to Funds' }).first().click();
    const row = page.getByTestId(`payment-${paymentId}`);
    await row.getByText('Completed', { exact: true }).waitFor();
    await row.getByText(/Added: 10\.00 USD/).waitFor();
    expect(await row.getByRole('link', { name: /^Pay payment/ }).count()).toBe(0);
    await page.getByText('Payment', { exact: true }).waitFor();
    await page.getByText('+10.00', { exact: true }).waitFor();
    await page.getByText('Balance after: 10.00').waitFor();
    await web.shot(page, 'funds-after-payment');
  });

  it('phone: a payment paid while its page is open is followed there until the gateway confirms', async () => {
    const page = await web.newPage(PHONE);
    await web.signIn(page, 'dana_pays', PASSWORD);
    await page.goto('/funds');
    await page.getByRole('radio', { name: /Crypto/ }).check();
    await page.getByLabel('Amount (USD)').fill('5,5');
    await expect
      .poll(() => page.getByTestId('credit-line').textContent())
      .toBe('You pay 5.50 USD, we add 5.50 USD to your balance');
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.waitForURL(`${fake.url}/pay/**`);
    const uuid = /\/pay\/([0-9a-f-]{36})$/.exec(page.url())?.[1] as string;
    expect(fake.invoices.get(uuid)?.amount).toBe('5.50');

    // Back on the panel without paying (the browser's Back button): the form is usable again, and the
    // payment waits in the list with a Pay link to the gateway's page.
    await page.goBack();
    await page.getByRole('heading', { name: 'Add funds' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Pay', exact: true }).isEnabled()).toBe(true);
    const pay = page.getByRole('link', { name: /^Pay payment \d+$/ });
    await pay.waitFor();
    expect(await pay.getAttribute('href')).toBe(`${fake.url}/pay/${uuid}`);
    const paymentId = Number(/(\d+)$/.exec((await pay.getAttribute('aria-label')) ?? '')?.[1]);
    await page.getByTestId(`payment-${paymentId}`).getByText('Pending', { exact: true }).waitFor();
    await page.getByRole('link', { name: `Payment #${paymentId}` }).click();
    await page.getByText('Waiting for the payment service to confirm').waitFor();
    await expect.poll(() => headerBalance(page).textContent()).toBe('10.00 USD');
    await web.shot(page, 'funds-payment-waiting');

    // Paid at the gateway meanwhile: the page sees it within a few seconds, and so does the header.
    fake.setStatus(uuid, {
      status: 'paid',
      paymentAmount: '5.50',
      payerAmount: '5.50',
      payerCurrency: 'USD',
      isFinal: true,
    });
    const cb = await fake.callback(uuid);
    expect(cb.status).toBe(200);
    await page.getByText('5.50 USD added to your balance.').waitFor({ timeout: 10_000 });
    await expect.poll(() => headerBalance(page).textContent(), { timeout: 5_000 }).toBe('15.50 USD');
  });

  it('desktop: a bank transfer with its reference: pending, then rejected with the note; a chargeback', async () => {
    const page = await web.newPage(DESKTOP);
    await web.signIn(page, 'dana_pays', PASSWORD);
    await page.goto('/funds');
    await page.getByRole('radio', { name: /Bank transfer/ }).check();
    await page.getByText('Name: Example Panel Ltd').waitFor();
    await page.getByText('Fee 2.5%').waitFor();
    await page.getByLabel('Amount (USD)').fill('10.01');
    // 10.01 less 2.5%: 9.75975 exactly, not rounded.
    await expect
      .poll(() => page.getByTestId('credit-line').textContent())
      .toBe('You pay 10.01 USD, we add 9.75975 USD to your balance');
    await page.getByRole('button', { name: 'Send' }).click();
    // No reference: the browser asks for it before anything is sent.
    expect(await page.getByText('Sent, waiting for approval').count()).toBe(0);
    await page.getByLabel('Transfer reference').fill('TX-2026-12345');
    // A double click files one payment.
    await page.getByRole('button', { name: 'Send' }).dblclick();
    await page.getByText('Sent, waiting for approval').waitFor();
    const row = page.locator('li', { hasText: 'Reference: TX-2026-12345' });
    await row.getByText('Pending', { exact: true }).waitFor();
    await page.reload();
    await row.getByText('Pending', { exact: true }).waitFor();
    expect(await row.count()).toBe(1);
    await row.getByText(/Will add: 9\.75975 USD/).waitFor();
    // A transfer has no gateway page to pay on.
    expect(await row.getByRole('link', { name: /^Pay payment/ }).count()).toBe(0);
    await web.shot(page, 'funds-manual-sent');

    const id = Number(/Payment #(\d+)/.exec((await row.textContent()) ?? '')?.[1]);
    const r = await rejectPayment({
      db: web.db.db,
      actor: await adminActor(web.db.db),
      paymentId: id,
      note: 'No transfer with this reference reached us',
    });
    expect(r.ok).toBe(true);
    await page.reload();
    const rejected = page.getByTestId(`payment-${id}`);
    await rejected.getByText('Rejected', { exact: true }).waitFor();
    await rejected.getByText('Note: No transfer with this reference reached us').waitFor();
    // Nothing was added, so the row does not claim an amount added.
    expect(await rejected.getByText(/Added:|Will add:/).count()).toBe(0);
    await web.shot(page, 'funds-manual-rejected');

    // A chargeback on the 5.50 crypto payment: reversed in the list, taken back in the history.
    const crypto = page.locator('li', { hasText: 'Amount: 5.50 USD' });
    const cryptoId = Number(/Payment #(\d+)/.exec((await crypto.textContent()) ?? '')?.[1]);
    const back = await reversePayment({
      db: web.db.db,
      actor: await adminActor(web.db.db),
      paymentId: cryptoId,
      note: 'Chargeback at the gateway',
    });
    expect(back.ok).toBe(true);
    await page.reload();
    await crypto.getByText('Reversed', { exact: true }).waitFor();
    await page.getByText('Payment reversed', { exact: true }).waitFor();
    await page.getByText('-5.50', { exact: true }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'Balance' }).textContent()).toBe('10.00 USD');
  });

  it('an unknown payment: says so', async () => {
    const page = await web.newPage(PHONE);
    await web.signIn(page, 'dana_pays', PASSWORD);
    await page.goto('/funds/999999');
    await page.getByText('Unknown payment').waitFor();
  });
});
