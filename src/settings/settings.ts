/**
 * Panel-wide settings stored in the database, so that every process (API servers, workers, the CLI)
 * sees the same values. The currency is read on every balance and status answer, so it is cached
 * for a few seconds per process.
 */
import type { Executor } from '../db/executor.js';
import { readSetting, writeSetting } from './settings.repo.js';

export const DEFAULT_CURRENCY = 'USD';
export const CURRENCY_RE = /^[A-Z]{3}$/;
const CACHE_MS = 5000;

const cache = new WeakMap<object, { value: string; at: number }>();

export async function getCurrency(db: Executor): Promise<string> {
  const hit = cache.get(db);
  const now = Date.now();
  if (hit && now - hit.at < CACHE_MS) return hit.value;
  const value = (await readSetting(db, 'currency')) ?? DEFAULT_CURRENCY;
  cache.set(db, { value, at: now });
  return value;
}

export async function setCurrency(db: Executor, currency: string): Promise<boolean> {
  if (!CURRENCY_RE.test(currency)) return false;
  await writeSetting(db, 'currency', currency);
  cache.delete(db);
  return true;
}

/** Whether visitors may open an account on the web panel (`settings set --signup open|closed`). */
export async function isSignupOpen(db: Executor): Promise<boolean> {
  return (await readSetting(db, 'signup')) !== 'closed';
}

export async function setSignupOpen(db: Executor, open: boolean): Promise<void> {
  await writeSetting(db, 'signup', open ? 'open' : 'closed');
}

/**
 * Whether visitors who are not signed in may see the services and their list prices on the web panel
 * (`settings set --public-services on|off`; off by default).
 */
export async function isPublicServices(db: Executor): Promise<boolean> {
  return (await readSetting(db, 'public_services')) === 'on';
}

export async function setPublicServices(db: Executor, on: boolean): Promise<void> {
  await writeSetting(db, 'public_services', on ? 'on' : 'off');
}
