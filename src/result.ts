/**
 * Expected outcomes are values, faults are exceptions. Every use case returns a Result whose failure is
 * a Failure: a code plus the few facts the message needs. http/api-v2/errors.ts is the one place that
 * turns a Failure into the API's error string; the CLI shows the same strings.
 */
import { type ServiceRule, serviceRuleMessage } from './catalog/service-rules.js';

export type SettingName = 'currency' | 'panel-name' | 'smtp-url' | 'mail-from' | 'public-url';

const SETTING_RULES: Record<SettingName, string> = {
  currency: 'currency must be a 3-letter ISO code in capitals, e.g. EUR',
  'panel-name': 'panel name must be 1-60 characters, without control characters',
  'smtp-url': 'smtp-url must be smtp://[user:pass@]host[:port] or smtps://...',
  'mail-from': 'mail-from must be an e-mail address, e.g. support@panel.example',
  'public-url': 'public-url must be an http(s) address without query, e.g. https://panel.example',
};

export type Failure =
  | { code: 'invalid_key' }
  | { code: 'bad_request' }
  | { code: 'unknown_service' }
  | { code: 'unknown_order' }
  | { code: 'unknown_refill' }
  | { code: 'unknown_user' }
  | { code: 'unknown_alert' }
  | { code: 'invalid_username' }
  | { code: 'user_exists'; username: string }
  | { code: 'negative_amount' }
  | { code: 'zero_amount' }
  | { code: 'invalid_service'; rule: ServiceRule; type?: string }
  | { code: 'missing_param'; param: string }
  | { code: 'invalid_param'; param: string }
  | { code: 'quantity_below_min'; min: bigint }
  | { code: 'quantity_above_max'; max: bigint }
  | { code: 'dripfeed_unsupported' }
  | { code: 'insufficient_funds' }
  | { code: 'not_refillable' }
  | { code: 'refill_open' }
  | { code: 'not_cancelable' }
  | { code: 'cancel_requested' }
  | { code: 'too_many_ids'; max: number }
  | { code: 'amount_too_large' }
  /** An amount typed by staff that is not a plain decimal (the CLI's words for `funds add`). */
  | { code: 'invalid_amount'; text: string }
  /** Someone else moved the row first, or the move is not allowed from where it stands. */
  | {
      code: 'conflict';
      reason: 'changed_meanwhile' | 'forbidden_transition' | 'unexpected_state';
      what: 'order' | 'refill' | 'provider';
      id: number;
      from?: string;
      to?: string;
    }
  | { code: 'remains_out_of_range'; max: bigint }
  | { code: 'negative_start_count' }
  | { code: 'partial_needs_remains' }
  | { code: 'partial_remains_zero' }
  | { code: 'invalid_upstream_order_id' }
  | { code: 'not_in_review'; orderId: number; dispatchState: string }
  | { code: 'invalid_markup' }
  | { code: 'invalid_provider_name' }
  | { code: 'invalid_provider_url' }
  | { code: 'invalid_provider_key' }
  | { code: 'provider_exists'; name: string }
  | { code: 'provider_unreachable'; provider: string; error: string }
  | { code: 'provider_refused'; provider: string; message: string }
  | { code: 'provider_bad_answer'; detail: string }
  // Operator tools (CLI, admin):
  | { code: 'unknown_provider' }
  | { code: 'invalid_send_limit'; min: number; max: number }
  | { code: 'provider_disabled'; providerId: number }
  | { code: 'provider_in_use'; openOrders: number; services: number }
  | { code: 'provider_check_failed'; reason: string }
  | { code: 'order_at_provider'; orderId: number; dispatchState: string }
  | { code: 'weak_password'; minLength: number }
  // Web panel accounts and sessions:
  | { code: 'invalid_credentials' }
  | { code: 'no_session' }
  | { code: 'signup_closed' }
  | { code: 'wrong_password' }
  | { code: 'unknown_session' }
  | { code: 'malformed_line'; problem: 'fields' | 'service' | 'quantity' }
  | { code: 'too_many_lines'; max: number }
  | { code: 'no_lines' }
  // Password resets and e-mail:
  | { code: 'invalid_reset_token' }
  | { code: 'reset_unavailable' }
  | { code: 'invalid_email'; maxLength: number }
  | { code: 'email_taken' }
  // Support tickets:
  | { code: 'unknown_ticket' }
  | { code: 'ticket_closed'; ticketId: number }
  | { code: 'invalid_ticket_message'; maxChars: number }
  | { code: 'invalid_ticket_subject' }
  // Staff roles and the audit log:
  | { code: 'forbidden' }
  /** A setting's value that does not pass its check (the CLI's and the admin page's words). */
  | { code: 'invalid_setting'; setting: SettingName }
  | { code: 'last_admin' }
  | { code: 'not_staff'; username: string }
  | { code: 'no_admin' }
  | { code: 'invalid_role' }
  | { code: 'invalid_period' }
  // Reports (the admin dashboard's exports):
  | { code: 'invalid_export_period' }
  | { code: 'export_period_too_long'; maxDays: number }
  // The catalogue's order and bulk changes (admin):
  | { code: 'unknown_category' }
  | { code: 'category_exists'; name: string }
  | { code: 'invalid_position'; max: number }
  | { code: 'invalid_percent' }
  /** A rate typed by staff that is not a plain decimal with at most 4 decimals (the CLI's words). */
  | { code: 'invalid_rate'; text: string }
  | { code: 'rate_too_low'; serviceId: number }
  // Backups, restores and moves (src/backup/, operator CLI only):
  | { code: 'backup_file_exists'; path: string }
  | { code: 'snapshot_unreadable'; path: string; reason: string }
  | { code: 'snapshot_too_new'; migration: string }
  | { code: 'target_not_empty'; table: string }
  | { code: 'target_schema_mismatch'; target: string; snapshot: string }
  | { code: 'worker_running'; secondsAgo: number }
  | { code: 'same_database' }
  // Two-factor sign-in:
  | { code: 'two_factor_required' }
  | { code: 'wrong_two_factor_code' }
  | { code: 'invalid_two_factor_token' }
  | { code: 'two_factor_on' }
  | { code: 'two_factor_off' }
  | { code: 'two_factor_not_started' }
  // Payments (docs/payments.md):
  | { code: 'unknown_payment_method' }
  | { code: 'unknown_payment' }
  | { code: 'invalid_payment_amount' }
  | { code: 'payment_below_min'; min: string }
  | { code: 'payment_above_max'; max: string }
  | { code: 'invalid_payment_reference'; maxChars: number }
  | { code: 'payment_gateway_refused' }
  | { code: 'payment_gateway_unreachable' }
  | { code: 'payment_not_pending'; paymentId: number; state: string }
  | { code: 'payment_not_credited'; paymentId: number; state: string }
  | { code: 'invalid_payment_method'; field: string; message: string }
  | { code: 'public_url_needed' }
  | { code: 'too_many_pending_payments'; max: number };

/**
 * A use case's outcome. `F` names the failures it can return (a subset of Failure), so a face handles
 * exactly those: `Result<Order, FailureOf<'unknown_order' | 'conflict'>>`.
 */
export type Result<T, F extends Failure = Failure> = { ok: true; value: T } | { ok: false; failure: F };

/** The Failure variants with these codes. */
export type FailureOf<C extends Failure['code']> = Extract<Failure, { code: C }>;

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <F extends Failure>(failure: F): { ok: false; failure: F } => ({ ok: false, failure });

/** The message shown to clients and operators for each failure. */
export function failureMessage(f: Failure): string {
  switch (f.code) {
    case 'invalid_key':
      return 'Invalid API key';
    case 'bad_request':
      return 'Incorrect request';
    case 'unknown_service':
      return 'Incorrect service ID';
    case 'unknown_order':
      return 'Incorrect order ID';
    case 'unknown_refill':
      return 'Refill not found';
    case 'unknown_user':
      return 'User not found';
    case 'unknown_alert':
      return 'no open alert with that id';
    case 'invalid_username':
      return 'username must be 3-64 characters of letters, digits, _ . -';
    case 'user_exists':
      return `user ${f.username} already exists`;
    case 'negative_amount':
      return 'balance cannot be negative';
    case 'zero_amount':
      return 'amount must not be zero';
    case 'invalid_amount':
      return `amount must be a decimal number with at most 7 decimals (got "${f.text}")`;
    case 'invalid_service':
      return serviceRuleMessage(f.rule, f.type);
    case 'missing_param':
      return `Missing parameter: ${f.param}`;
    case 'invalid_param':
      return `Incorrect ${f.param}`;
    case 'quantity_below_min':
      return `Quantity less than minimal ${f.min}`;
    case 'quantity_above_max':
      return `Quantity more than maximal ${f.max}`;
    case 'dripfeed_unsupported':
      return 'Drip-feed is not available for this service';
    case 'insufficient_funds':
      return 'Not enough funds on balance';
    case 'not_refillable':
      return 'Order cannot be refilled';
    case 'refill_open':
      return 'Refill already requested for this order';
    case 'not_cancelable':
      return 'Order cannot be canceled';
    case 'cancel_requested':
      return 'Cancellation already requested for this order';
    case 'too_many_ids':
      return `Too many IDs (maximum ${f.max})`;
    case 'amount_too_large':
      return 'Amount too large';
    case 'conflict':
      if (f.reason === 'changed_meanwhile') return `${f.what} ${f.id} changed meanwhile`;
      if (f.reason === 'forbidden_transition') return `${f.what} ${f.id} cannot go from ${f.from} to ${f.to}`;
      return `${f.what} ${f.id} is ${f.from}, not ${f.to}`;
    case 'remains_out_of_range':
      return `remains must be between 0 and ${f.max}`;
    case 'negative_start_count':
      return 'start count must not be negative';
    case 'partial_needs_remains':
      return 'Partial needs --remains';
    case 'partial_remains_zero':
      return 'Partial needs remains above 0 (use Completed)';
    case 'invalid_upstream_order_id':
      return 'the upstream order id must be 1-64 letters, digits, _ or -';
    case 'not_in_review':
      return `order ${f.orderId} is not in review (it is ${f.dispatchState})`;
    case 'invalid_markup':
      return 'markup must be a percentage of at least -100, e.g. 25';
    case 'invalid_provider_name':
      return 'name must be 1-100 characters';
    case 'invalid_provider_url':
      return 'url must be an http(s) URL, e.g. https://panel.example/api/v2';
    case 'invalid_provider_key':
      return 'key must be 1-500 characters without spaces';
    case 'provider_exists':
      return `provider ${f.name} already exists`;
    case 'provider_unreachable':
      return `provider ${f.provider}: ${f.error}`;
    case 'provider_refused':
      return `provider ${f.provider} answered: ${f.message}`;
    case 'provider_bad_answer':
      return f.detail;
    case 'unknown_provider':
      return 'Provider not found';
    case 'provider_disabled':
      return `provider ${f.providerId} is disabled (smm-panel providers enable)`;
    case 'invalid_send_limit':
      return `send limit must be a whole number from ${f.min} to ${f.max}`;
    case 'provider_in_use':
      return `provider is still used by ${f.openOrders} open order(s) and ${f.services} service(s)`;
    case 'provider_check_failed':
      return `provider check failed: ${f.reason}`;
    case 'order_at_provider':
      return `order ${f.orderId} is with its provider (${f.dispatchState}); the engine settles it (use --force to override, or orders review)`;
    case 'weak_password':
      return `password must be at least ${f.minLength} characters`;
    case 'invalid_credentials':
      return 'Wrong username or password';
    case 'no_session':
      return 'Not signed in';
    case 'signup_closed':
      return 'Sign-up is closed on this panel';
    case 'wrong_password':
      return 'The current password is wrong';
    case 'unknown_session':
      return 'Session not found';
    case 'malformed_line':
      if (f.problem === 'service') return 'The service must be its ID, a whole number';
      if (f.problem === 'quantity') return 'The quantity must be a whole number';
      return 'Write the line as: service | link | quantity';
    case 'too_many_lines':
      return `At most ${f.max} orders at once`;
    case 'no_lines':
      return 'Write at least one line: service | link | quantity';
    case 'invalid_reset_token':
      return 'This reset link is not valid any more (used, expired or wrong); ask for a new one';
    case 'reset_unavailable':
      return 'Password reset by e-mail is not set up on this panel; ask the operator (Support) to reset your password';
    case 'invalid_email':
      return `Give a valid e-mail address (at most ${f.maxLength} characters), e.g. name@example.com`;
    case 'email_taken':
      return 'This e-mail is already used by another account';
    case 'unknown_ticket':
      return 'Ticket not found';
    case 'ticket_closed':
      return `Ticket ${f.ticketId} is closed; open a new ticket`;
    case 'invalid_ticket_message':
      return `The message must be 1-${f.maxChars} characters, without control characters other than new lines`;
    case 'invalid_ticket_subject':
      return 'The subject must be order, payment or other';
    case 'forbidden':
      return 'Not allowed for your role';
    case 'invalid_setting':
      return SETTING_RULES[f.setting];
    case 'last_admin':
      return 'This is the last admin; make another admin first';
    case 'not_staff':
      return `${f.username} is not a staff account (support or admin)`;
    case 'no_admin':
      return 'no admin account yet: start the panel once (its first start makes one) or create one with users create --role admin';
    case 'invalid_role':
      return 'role must be customer, support or admin';
    case 'invalid_period':
      return 'since and until must be ISO times, since before until';
    case 'invalid_export_period':
      return 'from and to must be dates (YYYY-MM-DD), from not after to';
    case 'export_period_too_long':
      return `An export covers at most ${f.maxDays} days; choose a shorter period`;
    case 'unknown_category':
      return 'Category not found';
    case 'category_exists':
      return `category ${f.name} already exists`;
    case 'invalid_position':
      return `position must be a whole number from 1 to ${f.max}`;
    case 'invalid_rate':
      return `rate must be a non-negative decimal with at most 4 decimals (got "${f.text}")`;
    case 'invalid_percent':
      return 'percent must be a decimal number above -100, e.g. 10 or -5.5';
    case 'rate_too_low':
      return `the new rate of service ${f.serviceId} would be below 0.0001`;
    case 'backup_file_exists':
      return `${f.path} exists; choose another file or use --force to overwrite it`;
    case 'snapshot_unreadable':
      return `${f.path} is not a readable smm-panel snapshot: ${f.reason}`;
    case 'snapshot_too_new':
      return `the snapshot was made by a newer smm-panel (migration ${f.migration} is unknown here); restore it with that version or a newer one`;
    case 'target_not_empty':
      return `the target database is not empty (table ${f.table} has rows); restore only into a new, empty database`;
    case 'target_schema_mismatch':
      return `the target database was migrated to ${f.target}, the snapshot to ${f.snapshot}; restore into a new database nothing has migrated yet`;
    case 'worker_running':
      return `a worker was seen ${f.secondsAgo} s ago on this database; stop the panel's workers (and the panel) first, then move`;
    case 'same_database':
      return 'the target is the database the panel uses now; give another DATABASE_URL';
    case 'two_factor_required':
      return 'Set up two-factor sign-in first (Account page)';
    case 'wrong_two_factor_code':
      return 'Wrong code, or a code already used; try the next one';
    case 'invalid_two_factor_token':
      return 'This sign-in step expired or ran out of tries; sign in again';
    case 'two_factor_on':
      return 'Two-factor sign-in is already on';
    case 'two_factor_off':
      return 'Two-factor sign-in is not on';
    case 'two_factor_not_started':
      return 'Start the two-factor setup first';
    case 'unknown_payment_method':
      return 'Unknown payment method';
    case 'unknown_payment':
      return 'Unknown payment';
    case 'invalid_payment_amount':
      return 'Enter an amount like 10 or 10.50';
    case 'payment_below_min':
      return `The smallest amount for this method is ${f.min}`;
    case 'payment_above_max':
      return `The largest amount for this method is ${f.max}`;
    case 'invalid_payment_reference':
      return `Enter the transfer's reference (1-${f.maxChars} characters)`;
    case 'payment_gateway_refused':
      return 'The payment service refused this payment; try another amount or method, or ask support';
    case 'payment_gateway_unreachable':
      return 'The payment service does not answer; try again in a few minutes';
    case 'payment_not_pending':
      return `Payment ${f.paymentId} is ${f.state}, not pending`;
    case 'payment_not_credited':
      return `Payment ${f.paymentId} is ${f.state}: only a completed or partially paid payment can be reversed`;
    case 'invalid_payment_method':
      return `${f.field}: ${f.message}`;
    case 'too_many_pending_payments':
      return `You have ${f.max} payments waiting; finish or wait for them before starting another`;
    case 'public_url_needed':
      return "Set the panel's public address first (Settings, public-url): the gateway needs it to call back";
  }
}
