/**
 * Web session tokens: 32 random bytes sent to the browser in an HttpOnly cookie; the database keeps
 * only their SHA-256 (a high-entropy token needs no slow hash), like API keys.
 */
import { hash, randomBytes } from 'node:crypto';

/** A session lives this long without use; each use (at most once a minute) extends it. */
export const SESSION_IDLE_MS = 14 * 86_400_000;
/** Longest accepted token text; anything longer was never issued. */
export const MAX_SESSION_TOKEN_LENGTH = 100;

export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSessionToken(token: string): string {
  return hash('sha256', token, 'hex');
}
