/**
 * Telling the customer how a payment ended: the panel shows it (the payments list and the payment's
 * page); an e-mail goes too when SMTP is set and the customer gave an address. Never throws and never
 * delays the change it follows: a mail that cannot be sent is given up (the panel still shows it).
 */
import { findUserById } from '../accounts/users.repo.js';
import type { Executor } from '../db/executor.js';
import { type Mailer, smtpMailer } from '../mail/mailer.js';
import { formatAmount } from '../money.js';
import { getMailSettings, getPanelName } from '../settings/settings.js';
import { findPayment } from './payments.repo.js';

const WORDS: Record<string, string> = {
  completed: 'was credited',
  partial: 'was partly paid; what arrived was credited',
  rejected: 'was rejected',
  expired: 'expired without payment',
  failed: 'failed',
};

export async function notifyPaymentEnded(opts: {
  db: Executor;
  paymentId: number;
  mailer?: Mailer;
}): Promise<'sent' | 'skipped' | 'failed'> {
  try {
    const p = await findPayment(opts.db, opts.paymentId);
    if (!p || !WORDS[p.state]) return 'skipped';
    const user = await findUserById(opts.db, p.userId);
    if (!user?.email) return 'skipped';
    const mail = await getMailSettings(opts.db);
    if (mail.smtpUrl === null) return 'skipped';
    const mailer = opts.mailer ?? smtpMailer({ url: mail.smtpUrl, from: mail.mailFrom ?? 'panel@localhost' });
    const panel = await getPanelName(opts.db);
    const lines = [
      `Your payment #${p.id} of ${formatAmount(p.amountUnits)} ${p.currency} (${p.methodName}) ${WORDS[p.state]}.`,
    ];
    if (p.creditedUnits > 0n)
      lines.push(`Added to your balance: ${formatAmount(p.creditedUnits)} ${p.currency}.`);
    if (p.note) lines.push(`Note: ${p.note}`);
    if (mail.publicUrl) lines.push('', `Your payments: ${mail.publicUrl.replace(/\/$/, '')}/funds`);
    await mailer.send({
      to: user.email,
      subject: `${panel}: payment #${p.id} ${p.state}`,
      text: lines.join('\n'),
    });
    return 'sent';
  } catch {
    return 'failed';
  }
}
