/**
 * What every command group shares: the io (so tests run the CLI in-process with captured output),
 * the database opened on first use, `emit` (one JSON object in --json mode, else lines for people)
 * and the exit code. A command parses its arguments, calls one use case and emits its answer.
 */
import type { Actor } from '../audit/actor.js';
import type { Db } from '../db/connect.js';
import type { Executor } from '../db/executor.js';
import { failureMessage, type Result } from '../result.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Where `--password-stdin` / `--key-stdin` read their one line; process.stdin when absent. */
  stdin?: NodeJS.ReadableStream | undefined;
}

/** An expected failure of a command: printed as one line, exit code 1. */
export class CliFailure extends Error {}

export interface CliContext {
  io: CliIo;
  /** The database named by DATABASE_URL, opened on first use and closed when the command ends. */
  database(): Promise<Executor>;
  /**
   * The staff member the command acts as (written into the audit log): the first admin, or the
   * account named by the global `--as <username>`; a customer account is refused.
   */
  actor(): Promise<Actor & { username: string }>;
  /** The same as a result: `no_admin` on a database that has no admin account yet. */
  actorResult(): Promise<Result<Actor & { username: string }>>;
  /** Print a result: the object as JSON in --json mode, else the human lines. */
  emit(obj: Record<string, unknown>, human: string | string[]): void;
  /** Set the process exit code (2: `ledger check` found differences). */
  setExitCode(code: number): void;
}

/** The value of a use case's result, or a CliFailure carrying the failure's one message. */
export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new CliFailure(failureMessage(r.failure));
  return r.value;
}

/** The handle of the opened database, kept so main can close it. */
export interface OpenedDb {
  current: Db | null;
}
