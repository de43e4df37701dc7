/**
 * Sealing payment methods' secrets (a gateway's API key): AES-256-GCM with the panel's secrets key,
 * which lives outside the database (SECRETS_KEY, or DATA_DIR/secrets.key made at the first start, readable
 * only by the panel's user). A copy of the database alone (a backup, a dump) does not reveal them;
 * every process that talks to a gateway (the panel, workers) needs the same key (docs/payments.md).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretFile } from '../secret-file.js';

const PREFIX = 'v1';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** A box with this 32-byte key. */
  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('the secrets key must be 32 bytes');
    return new SecretBox(key);
  }

  /**
   * The panel's box: SECRETS_KEY (64 hex characters or base64 of 32 bytes) when set, else the key in
   * DATA_DIR/secrets.key, made (random) the first time.
   */
  static forPanel(opts: { secretsKey?: string | undefined; dataDir: string }): SecretBox {
    if (opts.secretsKey) return SecretBox.fromKey(decodeKey(opts.secretsKey));
    const file = join(opts.dataDir, 'secrets.key');
    if (!existsSync(file)) writeSecretFile(opts.dataDir, 'secrets.key', [randomBytes(32).toString('hex')]);
    return SecretBox.fromKey(decodeKey(readFileSync(file, 'utf8').trim()));
  }

  /** A box whose key lives only in this process (tests, and a panel that never stores a secret). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  seal(secrets: Record<string, string>): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return [
      PREFIX,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join('.');
  }

  /** The secrets, or null when they were sealed with another key (or tampered with). */
  open(sealed: string): Record<string, string> | null {
    const [prefix, iv, tag, body] = sealed.split('.');
    if (prefix !== PREFIX || !iv || !tag || body === undefined) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString(
        'utf8',
      );
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null) return null;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
      return out;
    } catch {
      return null;
    }
  }

  /** A short fingerprint of the key (never the key), to tell in logs which key a process uses. */
  fingerprint(): string {
    return createHash('sha256').update(this.key).digest('hex').slice(0, 8);
  }
}

function decodeKey(text: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  const b = Buffer.from(text, 'base64');
  if (b.length !== 32) throw new Error('SECRETS_KEY must be 64 hex characters or the base64 of 32 bytes');
  return b;
}
