/**
 * The browser app, built by Vite into `dist/web` and served by the panel at `/` (every asset ships
 * with the panel). Hashed files under /assets/ are immutable; index.html is never cached, so a new
 * build is picked up at the next load. A deep link (`/orders`) that matches no file gets index.html
 * (the app's router takes it from there); anything else unknown is a JSON 404.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** dist/web, beside the compiled server (dist/src/http/web/static.js -> dist/web). */
export const WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url));

export async function registerWebApp(app: FastifyInstance, root = WEB_ROOT): Promise<boolean> {
  if (!existsSync(`${root}/index.html`)) return false;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    setHeaders: (res, path) => {
      const cache = /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
      res.header('cache-control', cache);
    },
  });
  return true;
}

/** For the root's not-found handler: answer a browser's deep link with the app. */
export function sendAppForDeepLink(req: FastifyRequest, reply: FastifyReply): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (/^\/api(\/|$)/i.test(req.url)) return false;
  if (!String(req.headers.accept ?? '').includes('text/html')) return false;
  reply.header('cache-control', 'no-cache');
  reply.sendFile('index.html');
  return true;
}
