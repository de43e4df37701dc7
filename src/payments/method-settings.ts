/** A stored method's settings as its module takes them: the config, and the secrets opened. */
import type { MethodSettings, PaymentMethodModule } from './methods/method.js';
import { methodModule } from './methods/registry.js';
import type { MethodRow } from './payments.repo.js';
import type { SecretBox } from './secret-box.js';

export type OpenedMethod =
  | { ok: true; module: PaymentMethodModule; settings: MethodSettings }
  | { ok: false; reason: 'unknown_kind' | 'secrets_unreadable' };

export function openMethod(method: MethodRow, box: SecretBox): OpenedMethod {
  const module = methodModule(method.kind);
  if (!module) return { ok: false, reason: 'unknown_kind' };
  if (method.sealedSecrets === null)
    return { ok: true, module, settings: { config: method.config, secrets: {} } };
  const secrets = box.open(method.sealedSecrets);
  if (!secrets) return { ok: false, reason: 'secrets_unreadable' };
  return { ok: true, module, settings: { config: method.config, secrets } };
}
