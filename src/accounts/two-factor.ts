/**
 * Two-factor sign-in's rules, shared by its use cases: TOTP codes (RFC 6238 through otplib: SHA-1,
 * 6 digits, 30 s steps, the previous and next step accepted), each time step usable once; recovery
 * codes (10 random codes of 10 characters, stored as SHA-256 like API keys, each usable once); the
 * pending sign-in challenge (random token, SHA-256 stored, 5 minutes, 5 tries, one use).
 */
import { createHash, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import type { Executor } from '../db/executor.js';
import { advanceTotpStep, spendRecoveryCode, type TotpState } from './two-factor.repo.js';

export const CHALLENGE_TTL_MS = 5 * 60_000;
export const CHALLENGE_MAX_TRIES = 5;
export const RECOVERY_CODE_COUNT = 10;
const STEP_SECONDS = 30;

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(opts: { issuer: string; username: string; secret: string }): string {
  return generateURI({ issuer: opts.issuer, label: opts.username, secret: opts.secret });
}

/** Digits only, spaces allowed ("123 456"); null when it cannot be a code. */
export function cleanCode(text: string): string | null {
  const c = text.replace(/\s+/g, '');
  return /^\d{6}$/.test(c) ? c : null;
}

/**
 * The time step of `code` if it is right for `secret` at `now` (one step either side) and later than
 * `afterStep`; else null.
 */
export async function codeStep(opts: {
  secret: string;
  code: string;
  now: number;
  afterStep: number | null;
}): Promise<number | null> {
  const token = cleanCode(opts.code);
  if (token === null) return null;
  const r = await verify({
    secret: opts.secret,
    token,
    epoch: Math.floor(opts.now / 1000),
    epochTolerance: STEP_SECONDS,
    ...(opts.afterStep !== null ? { afterTimeStep: opts.afterStep } : {}),
  });
  // The TOTP strategy's answer carries the step (a HOTP answer would not).
  return r.valid && 'timeStep' in r && typeof r.timeStep === 'number' ? r.timeStep : null;
}

/**
 * Use a TOTP code of a user whose two-factor sign-in is on: right, and its step not used before
 * (recorded at once, compare-and-set, so two requests with one code cannot both pass).
 */
export async function spendTotpCode(
  db: Executor,
  userId: number,
  state: TotpState,
  code: string,
  now: number,
): Promise<boolean> {
  if (!state.secret || state.enabledAt === null) return false;
  const step = await codeStep({ secret: state.secret, code, now, afterStep: state.lastStep });
  if (step === null) return false;
  return advanceTotpStep(db, userId, step);
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten fresh recovery codes like `k7m2p-x9q4r` (about 49 bits each). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** The stored form of a recovery code: case, spaces and dashes do not matter. */
export function hashRecoveryCode(code: string): string {
  const plain = code.toLowerCase().replace(/[\s-]+/g, '');
  return createHash('sha256').update(`recovery:${plain}`, 'utf8').digest('hex');
}

export function spendRecovery(db: Executor, userId: number, code: string, now: number): Promise<boolean> {
  if (code.length > 40) return Promise.resolve(false);
  return spendRecoveryCode(db, userId, hashRecoveryCode(code), now);
}
