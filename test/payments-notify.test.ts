/**
 * A payment's outcome reaches the customer by mail when SMTP is set (and they gave an address): a real
 * SMTP server on 127.0.0.1 receives it. Without SMTP, or without an address, nothing is sent and the
 * decision is not held up.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setUserEmail } from '../src/accounts/users.repo.js';
import { approvePayment, rejectPayment } from '../src/payments/decide-payment.js';
import { createPaymentMethod } from '../src/payments/manage-payment-methods.js';
import { notifyPaymentEnded } from '../src/payments/notify-payment.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { startPayment } from '../src/payments/start-payment.js';
import { setMailSettings } from '../src/settings/settings.js';
import { adminActor } from './helpers/actor.js';
import { seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { type MailSink, startMailSink } from './helpers/smtp.js';

describeEachDb('payment notifications', (ctx) => {
  const db = () => ctx().db.db;
  const box = SecretBox.ephemeral();
  let sink: MailSink;
  let methodId: number;

  beforeAll(async () => {
    sink = await startMailSink();
    const m = await createPaymentMethod({
      db: db(),
      box,
      actor: await adminActor(db()),
      kind: 'manual',
      input: {
        name: 'Bank transfer',
        instructions: '',
        min: '1',
        max: '1000',
        adjustPercent: '-2.5',
        enabled: true,
        settings: {},
      },
    });
    if (!m.ok) throw new Error(JSON.stringify(m.failure));
    methodId = m.value.id;
  });
  afterAll(async () => {
    await sink.close();
  });

  async function filed(email: string | null, amount = '20') {
    const u = await seedUser(db());
    if (email) await setUserEmail(db(), u.id, email);
    const p = await startPayment({ db: db(), box, userId: u.id, methodId, amount, reference: 'TX-1' });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    return p.value.id;
  }

  describe('with SMTP set', () => {
    beforeAll(async () => {
      await setMailSettings(db(), {
        smtpUrl: sink.url,
        mailFrom: 'billing@panel.example',
        publicUrl: 'https://panel.example',
      });
    });
    afterAll(async () => {
      await setMailSettings(db(), { smtpUrl: null, mailFrom: null, publicUrl: null });
    });

    test('an approved payment mails what was credited', async () => {
      const id = await filed('buyer@example.com');
      const seen = sink.mails.length;
      const r = await approvePayment({ db: db(), actor: await adminActor(db()), paymentId: id });
      expect(r.ok).toBe(true);
      const mail = await sink.nextMail(seen);
      expect(mail.to).toEqual(['buyer@example.com']);
      expect(mail.text).toContain(`payment #${id}`);
      expect(mail.text).toContain('was credited');
      expect(mail.text).toContain('Added to your balance: 19.50 USD');
      expect(mail.text).toContain('https://panel.example/funds');
    });

    test('a rejected payment mails the note', async () => {
      const id = await filed('other@example.com');
      const seen = sink.mails.length;
      const r = await rejectPayment({
        db: db(),
        actor: await adminActor(db()),
        paymentId: id,
        note: 'No transfer with this reference arrived',
      });
      expect(r.ok).toBe(true);
      const mail = await sink.nextMail(seen);
      expect(mail.to).toEqual(['other@example.com']);
      expect(mail.text).toContain('was rejected');
      expect(mail.text).toContain('No transfer with this reference arrived');
      expect(mail.text).not.toContain('Added to your balance');
    });

    test('a customer without an address gets no mail', async () => {
      const id = await filed(null);
      await approvePayment({ db: db(), actor: await adminActor(db()), paymentId: id });
      expect(await notifyPaymentEnded({ db: db(), paymentId: id })).toBe('skipped');
    });

    test('a pending payment is not announced', async () => {
      const id = await filed('waiting@example.com');
      expect(await notifyPaymentEnded({ db: db(), paymentId: id })).toBe('skipped');
    });
  });

  test('without SMTP nothing is sent', async () => {
    const id = await filed('nosmtp@example.com');
    await approvePayment({ db: db(), actor: await adminActor(db()), paymentId: id });
    expect(await notifyPaymentEnded({ db: db(), paymentId: id })).toBe('skipped');
    expect(sink.mails.some((m) => m.to.includes('nosmtp@example.com'))).toBe(false);
  });
});
