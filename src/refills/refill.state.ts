/** Refill requests: their statuses, API spellings and allowed moves. One open refill per order. */
export const REFILL_STATUSES = ['pending', 'in_progress', 'completed', 'rejected', 'canceled'] as const;
export type RefillStatus = (typeof REFILL_STATUSES)[number];

export const OPEN_REFILL_STATUSES: readonly RefillStatus[] = ['pending', 'in_progress'];

export const API_REFILL_STATUS: Record<RefillStatus, string> = {
  pending: 'Pending',
  in_progress: 'In progress',
  completed: 'Completed',
  rejected: 'Rejected',
  canceled: 'Canceled',
};

const TRANSITIONS: Record<RefillStatus, readonly RefillStatus[]> = {
  pending: ['in_progress', 'completed', 'rejected', 'canceled'],
  in_progress: ['completed', 'rejected', 'canceled'],
  completed: [],
  rejected: [],
  canceled: [],
};

export function canRefillTransition(from: RefillStatus, to: RefillStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function parseRefillStatus(text: string): RefillStatus | null {
  const norm = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return (REFILL_STATUSES as readonly string[]).includes(norm) ? (norm as RefillStatus) : null;
}
