/** The CLI run in-process on one database, its output captured line by line (processes.ts runs it as a child). */
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** The whole output as JSON (for `--json`). */
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected by the tests
  json(): any;
}

/** `main(args)` with DATABASE_URL set to `databaseUrl`; `stdin` is piped in, `env` added to the environment. */
export async function runCliInProcess(
  databaseUrl: string,
  args: string[],
  extra: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { DATABASE_URL: databaseUrl, ...extra.env },
    stdin: extra.stdin === undefined ? undefined : Readable.from([extra.stdin]),
  });
  return { code, out, err, json: () => JSON.parse(out.join('\n')) };
}

/** `--json` and the arguments; the parsed answer, or a thrown error with the output when the exit code is not 0. */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected by the tests
export async function cliJsonInProcess(databaseUrl: string, args: string[]): Promise<any> {
  const r = await runCliInProcess(databaseUrl, ['--json', ...args]);
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.out.join('\n')} ${r.err.join('\n')}`);
  return r.json();
}
