/**
 * A fake Cryptomus (merchant payments API) for tests: a real HTTP server on 127.0.0.1 that checks the
 * documented request signing, makes invoices, answers status queries and sends signed callbacks the
 * way Cryptomus does (the JSON text PHP's json_encode writes, "\/" and \uXXXX, with `sign` appended).
 *
 * Its signing is written here again on purpose, apart from src/payments/methods/cryptomus.ts, so that
 * a mistake in one is caught by the other.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeInvoice {
  uuid: string;
  orderId: string;
  amount: string;
  currency: string;
  urlCallback: string | null;
  urlReturn: string | null;
  urlSuccess: string | null;
  lifetime: number;
  expiredAt: number;
  url: string;
  status: string;
  /** What the payer paid (P), in payerCurrency; null until something is paid. */
  paymentAmount: string | null;
  /** What the payer was asked to pay (Q), in payerCurrency. */
  payerAmount: string | null;
  payerCurrency: string | null;
  isFinal: boolean;
  additionalData: string | null;
  /** The request body that made it, as received. */
  request: Record<string, unknown>;
}

export interface FakeRequest {
  method: string;
  path: string;
  merchant: string | undefined;
  sign: string | undefined;
  /** The body as received. */
  raw: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: unknown;
}

export interface FakeStatus {
  status: string;
  paymentAmount?: string | null;
  payerAmount?: string | null;
  payerCurrency?: string | null;
  isFinal?: boolean;
}

export interface CallbackOptions {
  sign?: 'valid' | 'forged' | 'missing';
  /** Fields set on the callback body before it is signed (a value `undefined` removes the field). */
  override?: Record<string, unknown>;
}

/** How the server misbehaves while down: answer 503, drop every connection, or never answer. */
export type DownMode = '503' | 'destroy' | 'hang';

export interface FakeCryptomus {
  url: string;
  merchant: string;
  apiKey: string;
  invoices: Map<string, FakeInvoice>;
  requests: FakeRequest[];
  setStatus(uuid: string, s: FakeStatus): FakeInvoice;
  /** POST the invoice's callback to its url_callback, as Cryptomus does. */
  callback(uuid: string, opts?: CallbackOptions): Promise<{ status: number; body: string }>;
  /** The callback body (without sign) the fake would send for this invoice now. */
  callbackBody(uuid: string, override?: Record<string, unknown>): Record<string, unknown>;
  down(on: boolean, mode?: DownMode): void;
  close(): Promise<void>;
}

const FINAL = new Set(['paid', 'paid_over', 'wrong_amount', 'cancel', 'fail', 'system_fail', 'refund_paid']);

/** The JSON text PHP's json_encode makes of a value: "/" as "\/", non-ASCII as \uXXXX (UTF-16 units). */
export function phpJsonEncode(value: unknown): string {
  const json = JSON.stringify(value);
  let out = '';
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i); // UTF-16 code units: characters beyond U+FFFF come as two
    if (code === 0x2f) out += '\\/';
    else if (code >= 0x80) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += json[i];
  }
  return out;
}

function md5Hex(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

/** Cryptomus's signature of exact JSON text: md5(base64(text) + apiKey), hex. */
export function signCryptomusText(text: string, apiKey: string): string {
  return md5Hex(Buffer.from(text).toString('base64') + apiKey);
}

/** Cryptomus's signature of a body (a callback's, without `sign`), PHP-encoded first. */
export function signCryptomus(body: object, apiKey: string): string {
  return signCryptomusText(phpJsonEncode(body), apiKey);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const str = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' ? String(v) : null;

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export async function startFakeCryptomus(opts: { merchant: string; apiKey: string }): Promise<FakeCryptomus> {
  const invoices = new Map<string, FakeInvoice>();
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  let downMode: DownMode | null = null;
  let url = '';

  function invoiceResult(inv: FakeInvoice): Record<string, unknown> {
    return {
      uuid: inv.uuid,
      order_id: inv.orderId,
      amount: inv.amount,
      payment_amount: inv.paymentAmount,
      payer_amount: inv.payerAmount,
      discount_percent: null,
      discount: '0.00000000',
      payer_currency: inv.payerCurrency,
      currency: inv.currency,
      merchant_amount: null,
      network: null,
      address: null,
      from: null,
      txid: null,
      payment_status: inv.status,
      url: inv.url,
      expired_at: inv.expiredAt,
      status: inv.status,
      is_final: inv.isFinal,
      additional_data: inv.additionalData,
      created_at: '2026-12-01T00:00:00+03:00',
      updated_at: '2026-12-01T00:00:00+03:00',
    };
  }

  function callbackBody(uuid: string, override: Record<string, unknown> = {}): Record<string, unknown> {
    const inv = invoices.get(uuid);
    if (!inv) throw new Error(`fake Cryptomus: no invoice ${uuid}`);
    const body: Record<string, unknown> = {
      type: 'payment',
      uuid: inv.uuid,
      order_id: inv.orderId,
      amount: inv.amount,
      payment_amount: inv.paymentAmount,
      payer_amount: inv.payerAmount,
      payment_amount_usd: inv.paymentAmount,
      merchant_amount: inv.paymentAmount,
      commission: '0.00',
      is_final: inv.isFinal,
      status: inv.status,
      from: null,
      wallet_address_uuid: null,
      network: 'tron',
      currency: inv.currency,
      payer_currency: inv.payerCurrency,
      additional_data: inv.additionalData,
      txid: null,
    };
    for (const [k, v] of Object.entries(override)) {
      if (v === undefined) delete body[k];
      else body[k] = v;
    }
    return body;
  }

  async function callback(uuid: string, o: CallbackOptions = {}): Promise<{ status: number; body: string }> {
    const inv = invoices.get(uuid);
    if (!inv) throw new Error(`fake Cryptomus: no invoice ${uuid}`);
    if (!inv.urlCallback) throw new Error(`fake Cryptomus: invoice ${uuid} has no url_callback`);
    const body = callbackBody(uuid, o.override);
    const encoded = phpJsonEncode(body);
    let text = encoded;
    const mode = o.sign ?? 'valid';
    if (mode !== 'missing') {
      const sign = mode === 'valid' ? signCryptomusText(encoded, opts.apiKey) : md5Hex(`forged${encoded}`);
      // As Cryptomus does: the signed text with `,"sign":"..."` appended before its closing brace.
      text = `${encoded.slice(0, -1)}${encoded.length > 2 ? ',' : ''}"sign":"${sign}"}`;
    }
    const res = await fetch(inv.urlCallback, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.text() };
  }

  function setStatus(uuid: string, s: FakeStatus): FakeInvoice {
    const inv = invoices.get(uuid);
    if (!inv) throw new Error(`fake Cryptomus: no invoice ${uuid}`);
    inv.status = s.status;
    if (s.paymentAmount !== undefined) inv.paymentAmount = s.paymentAmount;
    if (s.payerAmount !== undefined) inv.payerAmount = s.payerAmount;
    if (s.payerCurrency !== undefined) inv.payerCurrency = s.payerCurrency;
    inv.isFinal = s.isFinal ?? FINAL.has(s.status);
    return inv;
  }

  function checkAuth(r: FakeRequest, res: ServerResponse): boolean {
    if (r.merchant !== opts.merchant) {
      sendJson(res, 401, { state: 1, message: 'Merchant not found' });
      return false;
    }
    if (r.sign !== signCryptomusText(r.raw, opts.apiKey)) {
      sendJson(res, 401, { state: 1, message: 'Invalid Sign' });
      return false;
    }
    return true;
  }

  function createPayment(body: Record<string, unknown>, res: ServerResponse): void {
    const errors: Record<string, string[]> = {};
    const amount = str(body.amount);
    const currency = str(body.currency);
    const orderId = str(body.order_id);
    if (amount === null) errors.amount = ['The amount field is required.'];
    else if (!/^\d+(\.\d+)?$/.test(amount)) errors.amount = ['The amount must be a number.'];
    if (currency === null) errors.currency = ['The currency field is required.'];
    if (orderId === null) errors.order_id = ['The order id field is required.'];
    const lifetime = body.lifetime === undefined ? 3600 : Number(body.lifetime);
    if (!Number.isInteger(lifetime) || lifetime < 300 || lifetime > 43200) {
      errors.lifetime = ['The lifetime must be between 300 and 43200.'];
    }
    if (Object.keys(errors).length > 0 || amount === null || currency === null || orderId === null) {
      sendJson(res, 422, { state: 1, message: 'The given data was invalid.', errors });
      return;
    }
    for (const inv of invoices.values()) {
      if (inv.orderId === orderId) {
        sendJson(res, 200, { state: 0, result: invoiceResult(inv) });
        return;
      }
    }
    const uuid = randomUUID();
    const inv: FakeInvoice = {
      uuid,
      orderId,
      amount,
      currency,
      urlCallback: str(body.url_callback),
      urlReturn: str(body.url_return),
      urlSuccess: str(body.url_success),
      lifetime,
      expiredAt: Math.floor(Date.now() / 1000) + lifetime,
      url: `${url}/pay/${uuid}`,
      status: 'check',
      paymentAmount: null,
      payerAmount: null,
      payerCurrency: null,
      isFinal: false,
      additionalData: str(body.additional_data),
      request: body,
    };
    invoices.set(uuid, inv);
    sendJson(res, 200, { state: 0, result: invoiceResult(inv) });
  }

  function paymentInfo(body: Record<string, unknown>, res: ServerResponse): void {
    const uuid = str(body.uuid);
    const orderId = str(body.order_id);
    let inv: FakeInvoice | undefined;
    if (uuid !== null) inv = invoices.get(uuid);
    else if (orderId !== null) inv = [...invoices.values()].find((i) => i.orderId === orderId);
    else {
      sendJson(res, 422, {
        state: 1,
        message: 'The given data was invalid.',
        errors: { uuid: ['The uuid field is required when order id is not present.'] },
      });
      return;
    }
    if (!inv) {
      sendJson(res, 404, { state: 1, message: 'Payment not found' });
      return;
    }
    sendJson(res, 200, { state: 0, result: invoiceResult(inv) });
  }

  function payPage(inv: FakeInvoice, res: ServerResponse): void {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Cryptomus (fake)</title></head><body>
<h1>Pay ${escapeHtml(inv.amount)} ${escapeHtml(inv.currency)}</h1>
<p>Invoice ${escapeHtml(inv.uuid)}, status ${escapeHtml(inv.status)}</p>
<form method="post" action="/pay/${encodeURIComponent(inv.uuid)}"><button type="submit">Pay</button></form>
</body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  }

  async function pay(inv: FakeInvoice, res: ServerResponse): Promise<void> {
    setStatus(inv.uuid, {
      status: 'paid',
      paymentAmount: inv.amount,
      payerAmount: inv.amount,
      payerCurrency: inv.currency,
      isFinal: true,
    });
    if (inv.urlCallback) {
      try {
        await callback(inv.uuid);
      } catch {
        // The panel not taking the callback does not undo the payment (Cryptomus retries; tests query).
      }
    }
    const to = inv.urlSuccess ?? inv.urlReturn;
    if (to) {
      res.writeHead(303, { location: to });
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('paid');
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const header = (n: string): string | undefined => {
        const v = req.headers[n];
        return Array.isArray(v) ? v[0] : v;
      };
      const r: FakeRequest = {
        method: req.method ?? '',
        path,
        merchant: header('merchant'),
        sign: header('sign'),
        raw,
        body,
      };
      requests.push(r);
      if (downMode === 'destroy') {
        req.socket.destroy();
        return;
      }
      if (downMode === 'hang') return;
      if (downMode === '503') {
        res.writeHead(503, { 'content-type': 'text/html' });
        res.end('<html><body>503 Service Unavailable</body></html>');
        return;
      }
      const payMatch = /^\/pay\/([0-9a-f-]{36})$/.exec(path);
      if (payMatch) {
        const inv = invoices.get(payMatch[1] ?? '');
        if (!inv) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('no such invoice');
          return;
        }
        if (req.method === 'GET') payPage(inv, res);
        else if (req.method === 'POST') await pay(inv, res);
        else {
          res.writeHead(405);
          res.end();
        }
        return;
      }
      if (req.method !== 'POST' || (path !== '/v1/payment' && path !== '/v1/payment/info')) {
        sendJson(res, 404, { state: 1, message: 'Not found' });
        return;
      }
      if (!checkAuth(r, res)) return;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        sendJson(res, 422, { state: 1, message: 'The given data was invalid.', errors: {} });
        return;
      }
      if (path === '/v1/payment') createPayment(body as Record<string, unknown>, res);
      else paymentInfo(body as Record<string, unknown>, res);
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { state: 1, message: String(err) });
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    merchant: opts.merchant,
    apiKey: opts.apiKey,
    invoices,
    requests,
    setStatus,
    callback,
    callbackBody,
    down(on: boolean, mode: DownMode = '503') {
      downMode = on ? mode : null;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
