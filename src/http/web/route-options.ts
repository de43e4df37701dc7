/** What every resource's routes receive from the web plugin. */
import type { Executor } from '../../db/executor.js';
import type { SecretBox } from '../../payments/secret-box.js';
import type { SignInLimiter } from './sign-in-limit.js';

export interface WebRouteOptions {
  db: Executor;
  /** Cookies get `Secure` (WEB_HTTPS). */
  secureCookies: boolean;
  limiter: SignInLimiter;
  /** Forgot-password requests, per login typed and per address. */
  resetLimiter: SignInLimiter;
  /** Opens payment methods' secrets (a gateway's API key). */
  secretBox: SecretBox;
}
