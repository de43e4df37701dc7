/**
 * The admin area's settings (settings.write: admin): read them (SMTP password masked) and change any
 * of them. Every value is checked first with the CLI's rules and words (422 invalid_setting, nothing
 * changed). A field left out keeps its value; null clears a mail setting. An SMTP URL that still
 * carries the mask `****` is refused, so the masked value shown by GET never replaces the password.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Executor } from '../../db/executor.js';
import { checkSettings } from '../../settings/settings.js';
import { showSettings } from '../../settings/show-settings.js';
import { updateSettings } from '../../settings/update-settings.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import { AdminSettings, AdminSettingsChange, AdminSettingsSaved } from './schemas.js';

export const settingsRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.get(
    '/settings',
    { schema: { tags: ['settings'], response: { 200: AdminSettings, ...errors(401, 403) } } },
    async (req) => {
      const r = await showSettings({ db, actor: actorOf(req) });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/settings',
    {
      schema: {
        tags: ['settings'],
        body: AdminSettingsChange,
        response: { 200: AdminSettingsSaved, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const b = req.body;
      // The role first: support learns nothing about which values would pass.
      const allowed = await showSettings({ db, actor });
      if (!allowed.ok) return failWith(allowed.failure);
      if (typeof b.smtpUrl === 'string' && b.smtpUrl.includes(':****@'))
        return failWith({ code: 'invalid_setting', setting: 'smtp-url' });
      const checked = checkSettings(b);
      if (!checked.ok) return failWith(checked.failure);
      const r = await updateSettings({ db, actor, changes: checked.value });
      if (!r.ok) return failWith(r.failure);
      const now = await showSettings({ db, actor });
      if (!now.ok) return failWith(now.failure);
      return { changed: r.value.changed, settings: now.value };
    },
  );
};
