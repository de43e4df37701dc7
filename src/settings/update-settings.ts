/**
 * Use case: an admin changes panel-wide settings (settings.write). The values arrive checked (the
 * face parses them); all of them are written in one transaction with one audit entry naming what
 * changed, the SMTP URL's password masked (`settings show` masks it the same way).
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import {
  type MailSettings,
  parsePanelName,
  setCurrency,
  setMailSettings,
  setPanelName,
  setPublicServices,
  setSignupOpen,
  setStaffTwoFactorRequired,
} from './settings.js';
import { readSettingsView } from './show-settings.js';

export interface SettingsChanges {
  currency?: string | undefined;
  panelName?: string | undefined;
  signupOpen?: boolean | undefined;
  publicServices?: boolean | undefined;
  staffTwoFactorRequired?: boolean | undefined;
  mail?: Partial<MailSettings> | undefined;
}

type Shown = Record<string, string | boolean | null>;

async function current(db: Executor): Promise<Shown> {
  const { passwordResetByMail: _derived, ...settings } = await readSettingsView(db);
  return settings;
}

export async function updateSettings(opts: {
  db: Executor;
  actor: Actor;
  changes: SettingsChanges;
  now?: number;
}): Promise<Result<{ changed: string[] }, FailureOf<'forbidden' | 'invalid_param'>>> {
  const { actor, changes: c } = opts;
  if (!can(actor.role, 'settings.write')) return fail({ code: 'forbidden' });
  const r = await inTransaction(
    opts.db,
    async (tx): Promise<Result<{ changed: string[] }, FailureOf<'invalid_param'>>> => {
      const before = await current(tx);
      if (c.currency !== undefined && !(await setCurrency(tx, c.currency)))
        return fail({ code: 'invalid_param', param: 'currency' });
      if (c.panelName !== undefined) {
        if (parsePanelName(c.panelName) !== c.panelName)
          return fail({ code: 'invalid_param', param: 'panel name' });
        await setPanelName(tx, c.panelName);
      }
      if (c.signupOpen !== undefined) await setSignupOpen(tx, c.signupOpen);
      if (c.publicServices !== undefined) await setPublicServices(tx, c.publicServices);
      if (c.staffTwoFactorRequired !== undefined)
        await setStaffTwoFactorRequired(tx, c.staffTwoFactorRequired);
      if (c.mail) await setMailSettings(tx, c.mail);
      const after = await current(tx);
      const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
      if (changed.length > 0)
        await recordAudit(tx, {
          actor,
          action: 'settings.set',
          subject: { type: 'settings', id: 'panel' },
          before: Object.fromEntries(changed.map((k) => [k, before[k]])),
          after: Object.fromEntries(changed.map((k) => [k, after[k]])),
          now: opts.now,
        });
      return ok({ changed });
    },
  );
  return r;
}
