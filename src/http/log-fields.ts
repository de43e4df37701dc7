/**
 * What a face adds to its request's log line (API v2: the action and the user id). Only values the
 * face has checked go here: an action name it knows, an id it authenticated; never raw parameters.
 */
import type { FastifyRequest } from 'fastify';

export interface LogFields {
  action?: string;
  user?: number;
}

const FIELDS = Symbol('logFields');

export function setLogFields(req: FastifyRequest, fields: LogFields): void {
  (req as FastifyRequest & { [FIELDS]?: LogFields })[FIELDS] = fields;
}

export function logFieldsOf(req: FastifyRequest): LogFields {
  return (req as FastifyRequest & { [FIELDS]?: LogFields })[FIELDS] ?? {};
}
