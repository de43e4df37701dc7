/**
 * Build step: report the browser app's first load, the JavaScript that index.html loads (entry and
 * modulepreloads), gzip-compressed; fail when it passes the budget (250 kB, issue 8).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 250 * 1024;
const root = 'dist/web';
const html = readFileSync(join(root, 'index.html'), 'utf8');
const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const f of files) total += gzipSync(readFileSync(join(root, f)), { level: 9 }).length;
const kb = (total / 1024).toFixed(1);
console.log(`web app first load: ${files.length} JS file(s), ${kb} kB gzip (budget ${BUDGET / 1024} kB)`);
if (total > BUDGET) {
  console.error('web app: first load is over budget');
  process.exit(1);
}
