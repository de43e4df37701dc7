/**
 * The panel's one log: pino, one line per event. JSON when stdout is a file or a pipe (for collectors),
 * the same lines made readable (pino-pretty) when it is a terminal. The HTTP server and the engine
 * write through it. What is never logged: request parameters and bodies (so no API key, password or
 * link), headers, secrets of providers.
 */

import { createRequire } from 'node:module';
import { type Logger, pino } from 'pino';

export type { Logger };

export interface LogOptions {
  level: string;
  /** Where lines go (default stdout); tests capture them here. */
  stream?: NodeJS.WritableStream | undefined;
  /** Readable lines instead of JSON (default: when the output is a terminal). */
  pretty?: boolean | undefined;
}

export function createLogger(opts: LogOptions): Logger {
  const readable = opts.pretty ?? (!opts.stream && process.stdout.isTTY === true);
  // ISO times: readable in a file as well as by collectors.
  const options = { level: opts.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (readable) {
    // Loaded only for a terminal: a panel logging JSON to a file does not load it at start.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino(
      options,
      pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,reqId' }),
    );
  }
  return opts.stream ? pino(options, opts.stream) : pino(options);
}
