/**
 * Two-factor sign-in and staff accounts in a real browser (chromium, a real panel process): a customer
 * sets up two-factor on the Account page (the key read from the page, the code computed here), signs
 * out, signs in with a code, then with a recovery code; the admin creates a support account from the
 * Users page and the new account signs in with the password shown once. Screenshots at 390x844 and
 * 1280x800 (look at them).
 */
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { browserSuite, DESKTOP, describeBrowser, PHONE } from './helpers/browser.js';

const PASSWORD = 'correct horse battery';

function codeAt(secret: string, steps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });
}

async function awayFromStepEdge(): Promise<void> {
  const into = Date.now() % 30_000;
  if (into > 20_000) await new Promise((r) => setTimeout(r, 30_000 - into + 200));
}

describeBrowser('two-factor sign-in in chromium', () => {
  const web = browserSuite('two-factor');

  async function passwordStep(page: Page, username: string) {
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter the 6-digit code from your app').waitFor();
  }

  /** Sign in without two-factor (the panel has no services: the start page has no heading). */
  async function signIn(page: Page, username: string, password: string) {
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  }

  async function signOut(page: Page) {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }

  async function flow(viewport: typeof PHONE, username: string, size: string) {
    const made = await createUser({ db: web.db.db, actor: SYSTEM, input: { username, password: PASSWORD } });
    expect(made.ok).toBe(true);
    await awayFromStepEdge();
    const page = await web.newPage(viewport);
    await signIn(page, username, PASSWORD);
    await page.goto('/account');
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    await page.getByRole('button', { name: 'Set up' }).click();
    const secretBox = page.getByTestId('two-factor-secret');
    await secretBox.waitFor();
    const secret = (await secretBox.textContent())?.trim() ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    await secretBox.scrollIntoViewIfNeeded();
    await web.shot(page, `two-factor-setup-${size}`);

    // A wrong code: the server's words, still off.
    await page.getByLabel('6-digit code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('alert').getByText('Wrong code').waitFor();
    await page.getByLabel('6-digit code from the app').fill(await codeAt(secret, -1));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    const codes = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    await list.scrollIntoViewIfNeeded();
    await web.shot(page, `two-factor-codes-${size}`);
    await page.getByRole('button', { name: 'I saved them' }).click();
    await page.getByText('10 recovery codes left').waitFor();
    await signOut(page);

    // With a code from the app.
    await passwordStep(page, username);
    await web.shot(page, `two-factor-sign-in-${size}`);
    await page.getByLabel('6-digit code').fill(await codeAt(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
    await signOut(page);

    // With a recovery code (it works once).
    await passwordStep(page, username);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByText('Enter one of your recovery codes').waitFor();
    await page.getByLabel('Recovery code').fill(codes[0] as string);
    await web.shot(page, `two-factor-recovery-${size}`);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
    await page.goto('/account');
    await page.getByText('9 recovery codes left').waitFor();
    await signOut(page);
    await passwordStep(page, username);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(codes[0] as string);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').getByText('Wrong code, or a code already used').waitFor();
    await page.context().close();
  }

  it('phone: set up two-factor, sign in with a code, then with a recovery code', async () => {
    await flow(PHONE, 'tf_phone', 'phone');
  }, 120_000);

  it('desktop: the same', async () => {
    await flow(DESKTOP, 'tf_desk', 'desktop');
  }, 120_000);

  async function newSupport(viewport: typeof PHONE, username: string) {
    const page = await web.newPage(viewport);
    await signIn(page, 'admin', web.adminPassword);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    // An admin lands on the dashboard; Users is a tab.
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('button', { name: 'New account' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Role').selectOption('support');
    await page.getByLabel('E-mail (optional)').fill(`${username}@panel.example`);
    await web.shot(page, 'admin-staff-new');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText(`${username} created (Support).`).waitFor();
    const [password] = await page.getByTestId('shown-once').allTextContents();
    expect(password?.trim()).toMatch(/^.{12,}$/);
    await web.shot(page, 'admin-staff-created');
    await page.getByRole('link', { name: 'Open the account' }).click();
    await page.getByRole('heading', { name: username }).waitFor();
    await page.getByRole('heading', { name: 'Role and access' }).waitFor();
    await page.getByRole('heading', { name: 'Signed in on' }).scrollIntoViewIfNeeded();
    await web.shot(page, 'admin-staff-user');
    await page.context().close();

    const staff = await web.newPage(viewport);
    await signIn(staff, username, password?.trim() as string);
    await staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await staff.getByRole('heading', { name: 'Users' }).waitFor();
    expect(await staff.getByRole('button', { name: 'New account' }).count()).toBe(0);
    await staff.context().close();
  }

  it('phone: the admin creates a support account, which signs in', async () => {
    await newSupport(PHONE, 'helper_phone');
  }, 120_000);

  it('desktop: the same', async () => {
    await newSupport(DESKTOP, 'helper_desk');
  }, 120_000);

  it('staff-two-factor required: staff without it see "Set up two-factor sign-in first" with a link to Account', async () => {
    const made = await createUser({
      db: web.db.db,
      actor: SYSTEM,
      input: { username: 'helper_bare', password: PASSWORD, role: 'support' },
    });
    expect(made.ok).toBe(true);
    expect((await web.cli(['settings', 'set', '--staff-two-factor', 'required'])).code).toBe(0);
    try {
      for (const [viewport, size] of [
        [PHONE, 'phone'],
        [DESKTOP, 'desktop'],
      ] as const) {
        const page = await web.newPage(viewport);
        await signIn(page, 'helper_bare', PASSWORD);
        await page.goto('/admin/users');
        await page.getByText('Set up two-factor sign-in first').waitFor();
        expect(await page.getByRole('heading', { name: 'Users' }).count()).toBe(0);
        await web.shot(page, `admin-two-factor-required-${size}`);
        await page.getByRole('link', { name: 'Go to Account' }).click();
        await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
        await page.getByText('Staff must use two-factor sign-in on this panel').waitFor();
        await page.context().close();
      }
    } finally {
      await web.cli(['settings', 'set', '--staff-two-factor', 'optional']);
    }
  }, 120_000);
});
