/**
 * Tickets as every face shows them (web, CLI, the coming admin pages): times in ISO 8601, and who is
 * looking. A customer sees their own tickets only and the operator's replies signed "staff" without
 * the operator's username; the operator sees everything.
 */

import type { TicketState, TicketSubject } from './ticket.state.js';
import type { Ticket, TicketMessage } from './tickets.repo.js';

/** Who is asking: a customer (their own tickets only) or the operator (all tickets, as staff). */
export type TicketViewer = { customerId: number } | { staff: true };

export interface TicketView {
  id: number;
  user: string;
  subject: TicketSubject;
  orderIds: number[];
  state: TicketState;
  createdAt: string;
  updatedAt: string;
}

export interface TicketMessageView {
  id: number;
  /** The author's username; null for the operator's replies shown to a customer. */
  author: string | null;
  fromStaff: boolean;
  body: string;
  createdAt: string;
}

/** The user id a viewer is limited to (undefined: the operator sees all). */
export function ownerFilter(viewer: TicketViewer): number | undefined {
  return 'customerId' in viewer ? viewer.customerId : undefined;
}

export function ticketView(t: Ticket): TicketView {
  return {
    id: t.id,
    user: t.username,
    subject: t.subject,
    orderIds: t.orderIds,
    state: t.state,
    createdAt: new Date(t.createdAt).toISOString(),
    updatedAt: new Date(t.updatedAt).toISOString(),
  };
}

export function messageView(m: TicketMessage, viewer: TicketViewer): TicketMessageView {
  return {
    id: m.id,
    author: m.fromStaff && 'customerId' in viewer ? null : m.author,
    fromStaff: m.fromStaff,
    body: m.body,
    createdAt: new Date(m.createdAt).toISOString(),
  };
}
