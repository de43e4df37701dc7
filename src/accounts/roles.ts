/**
 * Staff roles and what each may do: the one table the operator use cases consult (`can`). Pure, no
 * database: the face resolves who acts (src/audit/actor.ts) and the use case asks before it changes
 * anything, so the CLI and the coming admin web pages are held to the same rules.
 *
 * - admin: everything.
 * - support: answers tickets; reads users and orders; may move an order to Processing or In progress
 *   and move refills; never a status that settles money (Completed, Partial, Canceled), never funds,
 *   settings, services, providers, keys or staff.
 * - customer: no operator permission at all.
 */

export const ROLES = ['customer', 'support', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'orders.read',
  /** Processing / In progress: moves no money. */
  'orders.move_unsettled',
  /** Completed / Partial / Canceled, and resolving an order in review: settles money. */
  'orders.settle',
  'refills.move',
  'funds.adjust',
  'settings.write',
  'providers.write',
  /** The catalogue as staff see it, with the providers' rates (admin only). */
  'services.read',
  'services.write',
  'alerts.resolve',
  'users.read',
  'users.write',
  'keys.rotate',
  'tickets.answer',
  'audit.read',
  'staff.manage',
  /** The dashboard (revenue, cost, profit, provider balances) and the CSV exports: admin only. */
  'reports.read',
  /** The payments list and a payment's page (support sees them to answer customers). */
  'payments.read',
  /** Approve or reject a manual payment, reverse a credited one: moves money, admin only. */
  'payments.decide',
  /** Payment methods and their secrets: admin only. */
  'payments.methods',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const SUPPORT: ReadonlySet<Permission> = new Set<Permission>([
  'orders.read',
  'orders.move_unsettled',
  'refills.move',
  'users.read',
  'tickets.answer',
  'payments.read',
]);

/** May a member of `role` do `permission`? */
export function can(role: Role, permission: Permission): boolean {
  if (role === 'admin') return true;
  if (role === 'support') return SUPPORT.has(permission);
  return false;
}

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

/** A role read from the database (CHECK-constrained there); an unknown value counts as customer. */
export function toRole(s: unknown): Role {
  return typeof s === 'string' && isRole(s) ? s : 'customer';
}

/** Staff are the accounts with any operator permission. */
export function isStaff(role: Role): boolean {
  return role !== 'customer';
}
