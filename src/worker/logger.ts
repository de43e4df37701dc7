/**
 * The engine's log: the panel's one logger (src/log.ts), as a child with `component: "worker"`, so the
 * HTTP server and the engine write one format to one place. One line per event, with the order and
 * provider ids it concerns (`order`, `provider`, `upstream`); never keys, links or request parameters.
 */
import type { Logger } from '../log.js';
import type { EngineContext } from './dispatch.js';

/** The engine's `log` over `logger` (the process's logger from createLogger). */
export function engineLogger(logger: Logger): EngineContext['log'] {
  const log = logger.child({ component: 'worker' });
  return (level, msg, data) => {
    if (data) log[level](data, msg);
    else log[level](msg);
  };
}
