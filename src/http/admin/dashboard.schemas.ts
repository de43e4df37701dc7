/** Answers of the admin dashboard (GET /api/admin/dashboard). Money as exact decimal strings. */
import { z } from 'zod';

const Figures = z
  .object({
    orders: z.number().int().describe('customer orders placed (drip-feed runs not counted)'),
    revenue: z.string().describe('order charges minus order refunds in the ledger, exact decimal'),
    cost: z.string().describe('provider cost known for the orders of the period, exact decimal'),
    costUnknownOrders: z.number().int().describe('orders whose provider cost is not known (not in cost)'),
    profit: z.string().describe('revenue minus known cost (unknown costs left out)'),
    paymentsIn: z
      .string()
      .describe(
        'payments credited minus reversals in the ledger (money paid in, not revenue), exact decimal',
      ),
  })
  .meta({ id: 'AdminDashboardFigures' });

const DayFigures = Figures.extend({ day: z.string().describe('the UTC day, YYYY-MM-DD') }).meta({
  id: 'AdminDashboardDay',
});

const Queue = z
  .object({
    ordersInReview: z.number().int(),
    heldProviders: z.number().int(),
    openAlerts: z.number().int(),
    cancelRequests: z.number().int(),
    openRefills: z.number().int(),
    openTickets: z.number().int().describe('tickets waiting for staff'),
    paymentsWaiting: z
      .object({
        manual: z.number().int().describe('pending manual payments: an admin must approve or reject them'),
        gateway: z.number().int().describe('pending gateway payments: the gateway has not ended them yet'),
      })
      .describe('payments pending'),
  })
  .meta({ id: 'AdminDashboardQueue' });

const Balance = z
  .object({
    id: z.number().int(),
    name: z.string(),
    state: z.string(),
    balance: z.string().nullable().describe('as the provider answered; null when it did not'),
    currency: z.string().nullable(),
    error: z.string().nullable().describe('why there is no balance'),
  })
  .meta({ id: 'AdminDashboardProviderBalance' });

export const Dashboard = z
  .object({
    currency: z.string(),
    at: z.string().describe('when the figures were taken (ISO); days are UTC days'),
    periods: z.object({ today: Figures, last7Days: Figures, last30Days: Figures }),
    days: z.array(DayFigures).describe('the last 30 UTC days, oldest first'),
    queue: Queue,
    providers: z.array(Balance),
  })
  .meta({ id: 'AdminDashboard' });
