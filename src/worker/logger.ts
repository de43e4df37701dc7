/** The engine's log: one line per event, with the order/provider ids it concerns. Never keys. */
import type { EngineContext } from './dispatch.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export function engineLogger(
  level: string,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): EngineContext['log'] {
  if (level === 'silent') return () => {};
  const min = Math.max(0, LEVELS.indexOf(level));
  return (lvl, msg, data) => {
    if (LEVELS.indexOf(lvl) < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, component: 'worker', msg, ...data }));
  };
}
