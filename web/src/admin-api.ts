/**
 * The typed client of the admin area's endpoints (/api/admin), generated from their OpenAPI document
 * (admin-api.gen.ts, built by `npm run build`). Same session cookie and CSRF token as the customer
 * client (api.ts); answers are unwrapped and refusals explained by api.ts's unwrap and errorText.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './admin-api.gen';
import { withCsrf } from './api';

export type AdminSchemas = components['schemas'];

export const adminApi = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  credentials: 'same-origin',
});
adminApi.use(withCsrf);
