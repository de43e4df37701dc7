/**
 * Password reset in a real browser (chromium, a real panel process, a real SMTP server on 127.0.0.1):
 * sign-in -> Forgot password? -> the mail's link -> a new password -> sign in with it, on a phone and
 * on a desktop; the "ask the operator" page when the panel sends no mail; the e-mail on the Account
 * page. Screenshots at 390x844 and 1280x800 go to test/screenshots/ (look at them).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';
import { type MailSink, resetLinkOf, startMailSink } from './helpers/smtp.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';

describeBrowser('password reset in chromium', () => {
  const web = browserSuite('reset');
  let sink: MailSink;

  beforeAll(async () => {
    sink = await startMailSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  async function mailOn() {
    const r = await web.cli(['settings', 'set', '--smtp-url', sink.url, '--public-url', web.url]);
    expect(r.err).toEqual([]);
  }

  async function customer(name: string) {
    const r = await web.cli([
      'users',
      'create',
      '--username',
      name,
      '--email',
      `${name}@example.com`,
      '--password',
      PASSWORD,
    ]);
    expect(r.code).toBe(0);
  }

  async function resetFlow(page: Page, name: string, size: string) {
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await web.shot(page, `reset-sign-in-${size}`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Forgot password' }).waitFor();
    await page.getByLabel('Username or e-mail').fill(`${name}@example.com`);
    await web.shot(page, `reset-forgot-${size}`);
    const seen = sink.mails.length;
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('status').filter({ hasText: 'a link is on its way' }).waitFor();
    await web.shot(page, `reset-forgot-sent-${size}`);

    const { link } = resetLinkOf(await sink.nextMail(seen));
    expect(link.startsWith(`${web.url}/reset-password?token=`)).toBe(true);
    await page.goto(link);
    await page.getByRole('heading', { name: 'New password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill('something else');
    await page.getByRole('button', { name: 'Save the password' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the same' }).waitFor();
    await web.shot(page, `reset-mismatch-${size}`);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Save the password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();
    await web.shot(page, `reset-done-${size}`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(name);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signed in: the header offers to sign out (the order page is empty: no services here).
    await page.getByText('Sign out').waitFor();

    // The link works once: opened again, it says so and offers a new one.
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('third password 123');
    await page.getByLabel('New password again').fill('third password 123');
    await page.getByRole('button', { name: 'Save the password' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid any more' }).waitFor();
    await page.getByRole('link', { name: 'Ask for a new link' }).waitFor();
    await web.shot(page, `reset-used-link-${size}`);
  }

  it('forgot password -> mail -> new password -> sign in, on a phone', async () => {
    await mailOn();
    await customer('phone_reset');
    const page = await web.newPage(PHONE);
    await resetFlow(page, 'phone_reset', 'phone');

    // The Account page shows the e-mail and changes it with the password.
    await page.goto('/account');
    await page.getByText('Now: phone_reset@example.com').waitFor();
    await page.getByLabel('New e-mail (empty to remove)').fill('Phone.New@Example.com');
    // The second 'Current password' is the e-mail card's (the first is the password card's).
    await page.getByLabel('Current password').nth(1).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Save e-mail' }).click();
    await page.getByRole('status').filter({ hasText: 'E-mail saved' }).waitFor();
    await page.getByText('Now: phone.new@example.com').waitFor();
    await web.shot(page, 'reset-account-email-phone');
  });

  it('forgot password -> mail -> new password -> sign in, on a desktop', async () => {
    await mailOn();
    await customer('desk_reset');
    const page = await web.newPage(DESKTOP);
    await resetFlow(page, 'desk_reset', 'desktop');
  });

  it('without mail set up, the page says to ask the operator', async () => {
    expect((await web.cli(['settings', 'set', '--smtp-url', 'off'])).code).toBe(0);
    for (const [size, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const page = await web.newPage(viewport);
      await page.goto('/forgot-password');
      await page.getByText('Ask the operator (Support) to reset your password.').waitFor();
      expect(await page.getByLabel('Username or e-mail').count()).toBe(0);
      await web.shot(page, `reset-ask-operator-${size}`);
      await page.goto('/reset-password');
      await page.getByRole('alert').filter({ hasText: 'not complete' }).waitFor();
      await web.shot(page, `reset-no-token-${size}`);
    }
  });
});
