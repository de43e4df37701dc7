/**
 * `npm run demo`: a panel wired to the built-in simulated provider, with imported services and a demo
 * customer, so a newcomer sees orders move from Pending to Completed within a minute. Everything is
 * on a fresh SQLite file under ./data/demo (removed at each start) and on 127.0.0.1 only.
 */

import { rmSync } from 'node:fs';
import { createUser } from '../accounts/create-user.js';
import { findUserByUsername } from '../accounts/users.repo.js';
import { startPanel } from '../app.js';
import { SYSTEM } from '../audit/actor.js';
import { loadConfig } from '../config.js';
import { formatAmount, parseAmount } from '../money.js';
import { API_STATUS } from '../orders/order.state.js';
import { findOrdersForOperator } from '../orders/orders.repo.js';
import { addProvider } from '../providers/add-provider.js';
import { importServices } from '../providers/import-services.js';
import { startSimulator } from './simulator.js';

const DIR = './data/demo';
rmSync(DIR, { recursive: true, force: true });
// Fast timings so that the demo moves within seconds: an order's status is first asked 2 s after it is
// sent (production: WORKER_SYNC_BASE_MS, 60 s), then at most every 5 s (production: up to 15 minutes).
Object.assign(process.env, {
  WORKER_SYNC_BASE_MS: '2000',
  WORKER_SYNC_MAX_MS: '5000',
  WORKER_IDLE_MS: '250',
});

const sim = await startSimulator({
  // A free port unless SIM_PORT names one: the demo never collides with a panel or another demo.
  port: Number(process.env.SIM_PORT ?? 0),
  seed: 7,
  speed: 2,
  key: 'demo-upstream-key',
});
const config = loadConfig({
  ...process.env,
  DATABASE_URL: `sqlite:${DIR}/panel.db`,
  DATA_DIR: DIR,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
const panel = await startPanel(config);
const db = panel.db.db;

const provider = await addProvider({
  db,
  actor: SYSTEM,
  name: 'simulated',
  url: sim.url,
  apiKey: 'demo-upstream-key',
});
if (!provider.ok) throw new Error('could not add the simulated provider');
const imported = await importServices({
  db,
  actor: SYSTEM,
  providerId: provider.value.id,
  markupPercent: '25',
  dripfeed: true,
});
if (!imported.ok) throw new Error('could not import services');
const customer = await createUser({
  db,
  actor: SYSTEM,
  input: { username: 'demo', password: 'demo-password', balanceUnits: parseAmount('100') ?? 0n },
});
if (!customer.ok) throw new Error('could not create the demo customer');
const key = customer.value.apiKey;

const api = `${panel.url}/api/v2`;
async function call(params: Record<string, string>) {
  const res = await fetch(api, { method: 'POST', body: new URLSearchParams({ key, ...params }) });
  return res.json();
}
const placed = [
  await call({ action: 'add', service: '1', link: 'https://instagram.com/demo', quantity: '500' }),
  await call({ action: 'add', service: '2', link: 'https://instagram.com/p/demo1', quantity: '1000' }),
  await call({ action: 'add', service: '3', link: 'https://youtube.com/watch?v=demo', quantity: '2000' }),
  await call({
    action: 'add',
    service: '4',
    link: 'https://instagram.com/p/demo2',
    comments: 'Great!\nLove it\nWow',
  }),
  await call({
    action: 'add',
    service: '2',
    link: 'https://instagram.com/p/demo3',
    quantity: '300',
    runs: '3',
    interval: '1',
  }),
];

console.log(`
Demo running. Simulated provider: ${sim.url}
  customer "demo" (password demo-password), balance 100.00, API key:
    ${key}
  try: curl -s ${api} -d key=${key} -d action=balance
       curl -s ${api} -d key=${key} -d action=services
  placed orders: ${placed.map((p) => JSON.stringify(p)).join(' ')}
  operator CLI on this demo: DATABASE_URL=sqlite:${DIR}/panel.db npx smm-panel orders list
Watching the orders for a minute (Ctrl-C to stop)...
`);

let last = '';
const started = Date.now();
const timer = setInterval(async () => {
  const orders = await findOrdersForOperator(db, { limit: 20 });
  const line = orders
    .slice()
    .reverse()
    .map(
      (o) =>
        `#${o.id} ${API_STATUS[o.status]}${o.status === 'partial' || o.status === 'in_progress' ? ` (remains ${o.remains})` : ''}`,
    )
    .join(' | ');
  if (line !== last) {
    const user = await findUserByUsername(db, 'demo');
    console.log(
      `${Math.round((Date.now() - started) / 1000)}s  ${line}  balance ${formatAmount(user?.balanceUnits ?? 0n)}`,
    );
    last = line;
  }
  if (Date.now() - started > 70_000) {
    clearInterval(timer);
    console.log('The demo panel keeps running at', panel.url, '(Ctrl-C to stop).');
  }
}, 1000);

const stop = async () => {
  clearInterval(timer);
  await panel.stop();
  await sim.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
