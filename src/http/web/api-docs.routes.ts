/**
 * GET /api-docs: the API v2 reference (docs/api-v2.md, the one copy) as HTML for the panel's API
 * page, with this panel's own address in place of the doc's placeholder. Public: the reference holds
 * nothing secret, and a reseller may want to read it before signing up.
 *
 * The markdown is converted once (marked) at the first request and cleaned by sanitize-html with a
 * short allowlist, so no raw HTML, script, event handler or `javascript:` link in the doc can reach the
 * page. The address is HTML-escaped before it goes in.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type sanitizeHtml from 'sanitize-html';
import type { WebRouteOptions } from './route-options.js';

/** What docs/api-v2.md writes where the panel's own address goes. */
export const PLACEHOLDER_ORIGIN = 'https://your-panel.example';

/** docs/api-v2.md from src/http/web (tests) or dist/src/http/web (the built panel). */
function docPath(): string {
  const candidates = ['../../../docs/api-v2.md', '../../../../docs/api-v2.md'].map((p) =>
    decodeURIComponent(new URL(p, import.meta.url).pathname),
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`docs/api-v2.md not found (looked at ${candidates.join(', ')})`);
  return found;
}

const ALLOWED: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'p',
    'ul',
    'ol',
    'li',
    'pre',
    'code',
    'blockquote',
    'hr',
    'br',
    'strong',
    'em',
    'del',
    'a',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href'], th: ['align'], td: ['align'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  // Raw HTML written in the markdown is shown as text, never run.
  disallowedTagsMode: 'escape',
};

/** Markdown as HTML that can be inserted into a page: only the allowlisted tags and links. */
export async function safeHtmlOf(markdown: string): Promise<string> {
  // Loaded at the first request of the page, not at start.
  const [{ marked }, { default: sanitize }] = await Promise.all([import('marked'), import('sanitize-html')]);
  return sanitize(marked.parse(markdown, { async: false, gfm: true }), ALLOWED);
}

let rendered: Promise<string> | null = null;

/** The reference as safe HTML, converted once. */
function referenceHtml(): Promise<string> {
  rendered ??= readFile(docPath(), 'utf8')
    .then(safeHtmlOf)
    .catch((err) => {
      rendered = null;
      throw err;
    });
  return rendered;
}

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** The reference with `origin` (e.g. `https://panel.example.com`) in place of the placeholder. */
export async function apiReferenceHtml(origin: string): Promise<string> {
  const html = await referenceHtml();
  return html.replaceAll(PLACEHOLDER_ORIGIN, escapeHtml(origin));
}

export const apiDocsRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, { secureCookies }) => {
  app.get(
    '/api-docs',
    {
      config: { public: true },
      schema: { tags: ['docs'], summary: 'The API v2 reference as HTML (text/html), with this panel’s URL' },
    },
    async (req, reply) => {
      // The address the customer reached the panel by; WEB_HTTPS says it is https behind a proxy.
      const host = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(req.host)
        ? req.host
        : 'localhost';
      const origin = `${secureCookies ? 'https' : req.protocol}://${host}`;
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'")
        .header('cache-control', 'no-cache')
        .send(await apiReferenceHtml(origin));
    },
  );
};
