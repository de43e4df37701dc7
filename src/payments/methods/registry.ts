/** Every payment method module the panel knows, by kind. A new gateway is one line here. */
import { cryptomus } from './cryptomus.js';
import { manual } from './manual.js';
import type { PaymentMethodModule } from './method.js';

const MODULES: readonly PaymentMethodModule[] = [manual, cryptomus];

export function methodModule(kind: string): PaymentMethodModule | null {
  return MODULES.find((m) => m.kind === kind) ?? null;
}

export function methodKinds(): readonly PaymentMethodModule[] {
  return MODULES;
}
