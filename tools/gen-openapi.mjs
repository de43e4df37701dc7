/**
 * Build step: write the web face's OpenAPI document (generated from its zod schemas) to
 * dist/openapi.json, for openapi-typescript to turn into the browser's typed client
 * (web/src/api.gen.ts), and the admin face's to dist/admin-openapi.json (web/src/admin-api.gen.ts).
 * Builds the compiled server without a database: routes are only registered.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildServer } from '../dist/src/http/server.js';

const app = await buildServer({ db: /** @type {any} */ ({}), logLevel: 'silent', webRoot: '/nonexistent' });
await app.ready();
mkdirSync('dist', { recursive: true });
// The customer face's document and the admin area's (web/src/admin-api.gen.ts).
for (const [url, file] of [
  ['/api/web/openapi.json', 'dist/openapi.json'],
  ['/api/admin/openapi.json', 'dist/admin-openapi.json'],
]) {
  const res = await app.inject({ method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}`);
  writeFileSync(file, `${JSON.stringify(JSON.parse(res.body), null, 2)}\n`);
  console.log(`openapi: ${Object.keys(JSON.parse(res.body).paths).length} paths -> ${file}`);
}
await app.close();
