/**
 * Who performs an operator action: a staff member, through the web panel or the CLI. Operator use
 * cases take it, check its role (src/accounts/roles.ts) and write it into the audit log.
 */
import type { Role } from '../accounts/roles.js';

export interface Actor {
  /** users.id of the staff member. */
  id: number;
  kind: 'web' | 'cli';
  role: Role;
}

/**
 * A change made by no staff member: the engine, first start, or customers on their own account. Use
 * cases shared with the engine take `Actor | typeof SYSTEM`; those moves are not audited (the
 * engine's logs and the ledger tell them).
 */
export const SYSTEM = 'system' as const;
export type System = typeof SYSTEM;
