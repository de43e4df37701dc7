/**
 * What the two browser faces (the customer's /api/web and the staff's /api/admin) share: JSON bodies
 * only (a form post from another site — text/plain, urlencoded, multipart — is refused with 415), zod
 * schemas both ways, an OpenAPI document from them, the session's cookies, CSRF protection (double
 * submit: the secret in an HttpOnly cookie on /api, the token from GET /api/web/csrf in
 * `x-csrf-token`) checked first on every state change, `no-store` answers, and the one error map
 * (errors.ts). Each face then adds who may call it.
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { webErrorOf } from './errors.js';
import { COOKIE_PATH } from './session.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function setUpJsonFace(
  app: FastifyInstance,
  opts: { secureCookies: boolean; title: string; description: string },
): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(cookie);
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'smm_csrf',
    cookieOpts: { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: opts.secureCookies },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: opts.title, version: '1', description: opts.description },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  app.setErrorHandler((err, req, reply) => {
    const e = webErrorOf(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    reply.code(e.status).header('cache-control', 'no-store').send(e.body);
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send({ error: 'Not found', code: 'not_found' });
  });

  // CSRF first: a forged request is refused before anything else, even before who is calling.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    if (STATE_CHANGING.has(req.method)) {
      await new Promise<void>((resolve, reject) => {
        app.csrfProtection(req, reply, (err?: Error) => (err ? reject(err) : resolve()));
      });
    }
  });

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
