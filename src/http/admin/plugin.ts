/**
 * The admin area's face, a Fastify plugin mounted at `/api/admin`, built like the customer face
 * (src/http/web/plugin.ts): JSON only, zod schemas both ways, its own OpenAPI document at
 * `/api/admin/openapi.json` (the browser's admin client is generated from it), the web face's error
 * answers `{error, code, params?}`. It shares the customer face's session cookie and CSRF secret (both
 * on path `/api`; the token comes from GET /api/web/csrf): staff sign in on the ordinary sign-in page.
 * Every route needs a session of a staff member (support or admin): none is 401 no_session, a
 * customer's 403 forbidden; when staff must use two-factor sign-in, a staff member without it 403
 * two_factor_required. Routes call the operator use cases the CLI calls, as that staff member,
 * so the role checks and the audit entries are the use cases' own.
 */
import type { FastifyInstance } from 'fastify';
import { authenticateSession } from '../../accounts/authenticate-session.js';
import { checkStaffTwoFactor } from '../../accounts/check-staff-two-factor.js';
import { isStaff } from '../../accounts/roles.js';
import type { Executor } from '../../db/executor.js';
import type { SecretBox } from '../../payments/secret-box.js';
import { setLogFields } from '../log-fields.js';
import { webFailure } from '../web/errors.js';
import { setUpJsonFace } from '../web/json-face.js';
import { SESSION_COOKIE, setCaller } from '../web/session.js';
import { alertsRoutes } from './alerts.routes.js';
import { auditRoutes } from './audit.routes.js';
import { dashboardRoutes } from './dashboard.routes.js';
import { exportsRoutes } from './exports.routes.js';
import { ordersRoutes } from './orders.routes.js';
import { paymentsRoutes } from './payments.routes.js';
import { providersRoutes } from './providers.routes.js';
import { servicesRoutes } from './services.routes.js';
import { settingsRoutes } from './settings.routes.js';
import { staffRoutes } from './staff.routes.js';
import { ticketsRoutes } from './tickets.routes.js';
import { usersRoutes } from './users.routes.js';

export interface AdminOptions {
  db: Executor;
  /** The panel is reached over HTTPS (WEB_HTTPS): cookies get `Secure`. */
  secureCookies: boolean;
  secretBox: SecretBox;
}

export async function adminPlugin(app: FastifyInstance, opts: AdminOptions): Promise<void> {
  const { db, secureCookies } = opts;

  await setUpJsonFace(app, {
    secureCookies,
    title: 'smm-panel admin API',
    description:
      'The JSON endpoints of the admin area (web session cookie of a support or admin account, ' +
      'x-csrf-token from GET /api/web/csrf on state changes).',
  });
  app.addHook('preHandler', async (req, reply) => {
    if (req.routeOptions.config.public) return;
    const s = await authenticateSession({ db, token: req.cookies[SESSION_COOKIE] });
    if (!s.ok) {
      const e = webFailure(s.failure);
      return reply.code(e.status).send(e.body);
    }
    if (!isStaff(s.value.user.role)) {
      const e = webFailure({ code: 'forbidden' });
      return reply.code(e.status).send(e.body);
    }
    setLogFields(req, { user: s.value.user.id });
    const gate = await checkStaffTwoFactor({ db, user: s.value.user });
    if (!gate.ok) {
      const e = webFailure(gate.failure);
      return reply.code(e.status).send(e.body);
    }
    setCaller(req, s.value);
  });

  await app.register(usersRoutes, { db });
  await app.register(auditRoutes, { db });
  await app.register(settingsRoutes, { db });
  await app.register(dashboardRoutes, { db });
  await app.register(exportsRoutes, { db });
  await app.register(providersRoutes, { db });
  await app.register(alertsRoutes, { db });
  await app.register(ticketsRoutes, { db });
  await app.register(ordersRoutes, { db });
  await app.register(servicesRoutes, { db });
  await app.register(staffRoutes, { db });
  await app.register(paymentsRoutes, { db, secretBox: opts.secretBox });
}
