/** The roles matrix: what admin, support and customer may do, as the operator use cases ask it. */
import { describe, expect, it } from 'vitest';
import { can, PERMISSIONS, type Permission, ROLES } from '../src/accounts/roles.js';

const SUPPORT_MAY: Permission[] = [
  'orders.read',
  'orders.move_unsettled',
  'refills.move',
  'users.read',
  'tickets.answer',
  'payments.read',
];

describe('roles', () => {
  it.each(PERMISSIONS.flatMap((p) => ROLES.map((r) => [r, p] as const)))(
    '%s may %s: as the matrix says',
    (role, permission) => {
      const expected =
        role === 'admin' ? true : role === 'support' ? SUPPORT_MAY.includes(permission) : false;
      expect(can(role, permission)).toBe(expected);
    },
  );

  it('support never settles money, adjusts funds, writes settings, providers, services or keys, or manages staff', () => {
    for (const p of [
      'orders.settle',
      'funds.adjust',
      'settings.write',
      'providers.write',
      'services.write',
      'keys.rotate',
      'users.write',
      'staff.manage',
    ] as const)
      expect(can('support', p)).toBe(false);
  });
});
