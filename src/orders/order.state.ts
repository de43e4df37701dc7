/**
 * The order state machine. Statuses are stored as these lowercase names and shown on the API by
 * API_STATUS. Every change is a compare-and-set (`WHERE id = ? AND status = ?`) against this table;
 * terminal statuses never move again.
 */

export const ORDER_STATUSES = [
  'pending',
  'processing',
  'in_progress',
  'completed',
  'partial',
  'canceled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['completed', 'partial', 'canceled'];
export const ACTIVE_STATUSES: readonly OrderStatus[] = ['pending', 'processing', 'in_progress'];

export const API_STATUS: Record<OrderStatus, string> = {
  pending: 'Pending',
  processing: 'Processing',
  in_progress: 'In progress',
  completed: 'Completed',
  partial: 'Partial',
  canceled: 'Canceled',
};

const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['processing', 'in_progress', 'completed', 'partial', 'canceled'],
  processing: ['in_progress', 'completed', 'partial', 'canceled'],
  in_progress: ['completed', 'partial', 'canceled'],
  completed: [],
  partial: [],
  canceled: [],
};

export function isTerminal(s: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(s);
}

/** Whether `from` may become `to`. Staying in a non-terminal status (to update remains) is allowed. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  if (from === to) return !isTerminal(from);
  return TRANSITIONS[from].includes(to);
}

/** Accepts the API spelling ("In progress") or the stored one ("in_progress"), any case. */
export function parseOrderStatus(text: string): OrderStatus | null {
  const norm = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return (ORDER_STATUSES as readonly string[]).includes(norm) ? (norm as OrderStatus) : null;
}
