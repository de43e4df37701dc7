/**
 * What a face adds to its request's log line (API v2: the action and the user id). Only values the
 * face has checked go here: an action name it knows, an id it authenticated; never raw parameters.
 */
import type { FastifyRequest } from 'fastify';

export interface LogFields {
  action?: string;
  user?: number;
  /** API v2: how the request ended (ok, error, invalid_key, internal), for the metrics, not the log. */
  outcome?: string;
}

const FIELDS = Symbol('logFields');

export function setLogFields(req: FastifyRequest, fields: LogFields): void {
  const r = req as FastifyRequest & { [FIELDS]?: LogFields };
  const kept = r[FIELDS];
  if (kept) Object.assign(kept, fields);
  else r[FIELDS] = { ...fields };
}

export function logFieldsOf(req: FastifyRequest): LogFields {
  return (req as FastifyRequest & { [FIELDS]?: LogFields })[FIELDS] ?? {};
}
