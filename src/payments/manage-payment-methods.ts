/**
 * Use cases: the admin's payment methods (Settings > Payment methods). A method has a kind (the module
 * that runs it), a name and instructions customers read, limits, and a fee or bonus percent; a
 * gateway's own settings are checked by its module, and its secrets are sealed (secret-box.ts) and
 * never shown again: the view says only which secrets are set. Every change is audited, without the
 * secrets.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import type { MethodField, MethodSettings } from './methods/method.js';
import { methodKinds, methodModule } from './methods/registry.js';
import {
  formatPercent,
  type MethodView,
  methodView,
  parsePaymentAmount,
  parsePercent,
} from './payment-rules.js';
import { findMethod, insertMethod, listMethods, type MethodRow, updateMethod } from './payments.repo.js';
import type { SecretBox } from './secret-box.js';

export const MAX_METHOD_NAME = 60;
export const MAX_INSTRUCTIONS = 2000;

export interface StaffMethodView extends MethodView {
  enabled: boolean;
  position: number;
  /** The module's settings that are not secret. */
  config: Record<string, string>;
  /** Names of the secret settings that are set (their values are never shown). */
  secretsSet: string[];
  /** True when the secrets cannot be opened with this panel's secrets key (enter them again). */
  secretsUnreadable: boolean;
  updatedAt: string;
}

export interface MethodKindView {
  kind: string;
  label: string;
  automatic: boolean;
  fields: MethodField[];
}

function staffView(m: MethodRow, box: SecretBox): StaffMethodView {
  const module = methodModule(m.kind);
  const secrets = m.sealedSecrets === null ? {} : box.open(m.sealedSecrets);
  return {
    ...methodView(m, module?.automatic ?? false),
    enabled: m.enabled,
    position: m.position,
    config: m.config,
    secretsSet: secrets ? Object.keys(secrets).filter((k) => secrets[k] !== '') : [],
    secretsUnreadable: secrets === null,
    updatedAt: new Date(m.updatedAt).toISOString(),
  };
}

export async function listPaymentMethodsForStaff(opts: {
  db: Executor;
  box: SecretBox;
  actor: Actor;
}): Promise<Result<{ kinds: MethodKindView[]; methods: StaffMethodView[] }, FailureOf<'forbidden'>>> {
  if (!can(opts.actor.role, 'payments.methods')) return fail({ code: 'forbidden' });
  const methods = await listMethods(opts.db, { enabledOnly: false });
  return ok({
    kinds: methodKinds().map((m) => ({
      kind: m.kind,
      label: m.label,
      automatic: m.automatic,
      fields: [...m.fields],
    })),
    methods: methods.map((m) => staffView(m, opts.box)),
  });
}

export interface MethodInput {
  name: string;
  instructions: string;
  min: string;
  max: string;
  /** Fee (negative) or bonus (positive) percent, at most 2 decimals. */
  adjustPercent: string;
  enabled: boolean;
  /** The module's fields by name ('' for one left empty; an empty secret keeps the stored one). */
  settings: Record<string, string>;
}

type MethodFailure = FailureOf<'forbidden' | 'invalid_payment_method' | 'unknown_payment_method'>;

function checkInput(
  input: MethodInput,
):
  | { ok: true; name: string; instructions: string; min: bigint; max: bigint; bp: number }
  | { ok: false; failure: MethodFailure } {
  const bad = (field: string, message: string) =>
    ({ ok: false, failure: { code: 'invalid_payment_method', field, message } }) as const;
  const name = input.name.trim();
  if (name === '' || [...name].length > MAX_METHOD_NAME || /\p{Cc}/u.test(name))
    return bad('name', `1-${MAX_METHOD_NAME} characters`);
  const instructions = input.instructions.trim();
  if ([...instructions].length > MAX_INSTRUCTIONS)
    return bad('instructions', `at most ${MAX_INSTRUCTIONS} characters`);
  const min = parsePaymentAmount(input.min);
  if (min === null) return bad('min', 'an amount above 0 with at most 2 decimals');
  const max = parsePaymentAmount(input.max);
  if (max === null) return bad('max', 'an amount above 0 with at most 2 decimals');
  if (max < min) return bad('max', 'must not be below the minimum');
  const bp = parsePercent(input.adjustPercent === '' ? '0' : input.adjustPercent);
  if (bp === null)
    return bad('adjustPercent', 'a percent from -99.99 (fee) to 100 (bonus), at most 2 decimals');
  return { ok: true, name, instructions, min, max, bp };
}

function auditView(v: {
  name: string;
  kind: string;
  min: bigint;
  max: bigint;
  bp: number;
  enabled: boolean;
  config: Record<string, string>;
}) {
  return {
    name: v.name,
    kind: v.kind,
    min: formatAmount(v.min),
    max: formatAmount(v.max),
    adjustPercent: formatPercent(v.bp),
    enabled: v.enabled,
    config: v.config,
  };
}

export async function createPaymentMethod(opts: {
  db: Executor;
  box: SecretBox;
  actor: Actor;
  kind: string;
  input: MethodInput;
  now?: number;
}): Promise<Result<StaffMethodView, MethodFailure>> {
  const { db, box, actor } = opts;
  const now = opts.now ?? Date.now();
  if (!can(actor.role, 'payments.methods')) return fail({ code: 'forbidden' });
  const module = methodModule(opts.kind);
  if (!module) return fail({ code: 'invalid_payment_method', field: 'kind', message: 'unknown kind' });
  const checked = checkInput(opts.input);
  if (!checked.ok) return fail(checked.failure);
  const parsed = module.parseSettings(opts.input.settings, null);
  if (!parsed.ok)
    return fail({ code: 'invalid_payment_method', field: parsed.field, message: parsed.message });
  const { settings } = parsed;
  const id = await inTransaction(db, async (tx) => {
    const newId = await insertMethod(
      tx,
      {
        name: checked.name,
        kind: module.kind,
        instructions: checked.instructions,
        minUnits: checked.min,
        maxUnits: checked.max,
        adjustBp: checked.bp,
        enabled: opts.input.enabled,
        config: settings.config,
        sealedSecrets: Object.keys(settings.secrets).length > 0 ? box.seal(settings.secrets) : null,
      },
      now,
    );
    await recordAudit(tx, {
      actor,
      action: 'payment_method.create',
      subject: { type: 'payment_method', id: newId },
      after: auditView({
        ...checked,
        kind: module.kind,
        enabled: opts.input.enabled,
        config: settings.config,
      }),
      now,
    });
    return newId;
  });
  const row = await findMethod(db, id);
  if (!row) throw new Error(`payment method ${id} vanished`);
  return ok(staffView(row, box));
}

export async function updatePaymentMethod(opts: {
  db: Executor;
  box: SecretBox;
  actor: Actor;
  methodId: number;
  input: MethodInput;
  now?: number;
}): Promise<Result<StaffMethodView, MethodFailure>> {
  const { db, box, actor } = opts;
  const now = opts.now ?? Date.now();
  if (!can(actor.role, 'payments.methods')) return fail({ code: 'forbidden' });
  const before = await findMethod(db, opts.methodId);
  if (!before) return fail({ code: 'unknown_payment_method' });
  const module = methodModule(before.kind);
  if (!module) return fail({ code: 'unknown_payment_method' });
  const checked = checkInput(opts.input);
  if (!checked.ok) return fail(checked.failure);
  const oldSecrets = before.sealedSecrets === null ? {} : box.open(before.sealedSecrets);
  const previous: MethodSettings = { config: before.config, secrets: oldSecrets ?? {} };
  const parsed = module.parseSettings(opts.input.settings, previous);
  if (!parsed.ok)
    return fail({ code: 'invalid_payment_method', field: parsed.field, message: parsed.message });
  const { settings } = parsed;
  await inTransaction(db, async (tx) => {
    await updateMethod(
      tx,
      before.id,
      {
        name: checked.name,
        instructions: checked.instructions,
        minUnits: checked.min,
        maxUnits: checked.max,
        adjustBp: checked.bp,
        enabled: opts.input.enabled,
        config: settings.config,
        sealedSecrets: Object.keys(settings.secrets).length > 0 ? box.seal(settings.secrets) : null,
      },
      now,
    );
    const secretsChanged = JSON.stringify(settings.secrets) !== JSON.stringify(oldSecrets ?? {});
    await recordAudit(tx, {
      actor,
      action: 'payment_method.update',
      subject: { type: 'payment_method', id: before.id },
      before: auditView({
        name: before.name,
        kind: before.kind,
        min: before.minUnits,
        max: before.maxUnits,
        bp: before.adjustBp,
        enabled: before.enabled,
        config: before.config,
      }),
      after: {
        ...auditView({ ...checked, kind: before.kind, enabled: opts.input.enabled, config: settings.config }),
        ...(secretsChanged ? { secrets: 'changed' } : {}),
      },
      now,
    });
  });
  // Turning a method off leaves its pending payments as they are: gateway ones are still followed,
  // manual ones still decided.
  const row = await findMethod(db, before.id);
  if (!row) throw new Error(`payment method ${before.id} vanished`);
  return ok(staffView(row, box));
}
