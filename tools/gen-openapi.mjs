/**
 * Build step: write the web face's OpenAPI document (generated from its zod schemas) to
 * dist/openapi.json, for openapi-typescript to turn into the browser's typed client
 * (web/src/api.gen.ts). Builds the compiled server without a database: routes are only registered.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildServer } from '../dist/src/http/server.js';

const app = await buildServer({ db: /** @type {any} */ ({}), logLevel: 'silent', webRoot: '/nonexistent' });
await app.ready();
const res = await app.inject({ method: 'GET', url: '/api/web/openapi.json' });
if (res.statusCode !== 200) throw new Error(`openapi.json: HTTP ${res.statusCode}`);
mkdirSync('dist', { recursive: true });
writeFileSync('dist/openapi.json', `${JSON.stringify(JSON.parse(res.body), null, 2)}\n`);
await app.close();
console.log(`openapi: ${Object.keys(JSON.parse(res.body).paths).length} paths -> dist/openapi.json`);
