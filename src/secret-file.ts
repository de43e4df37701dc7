/** Writing a secret for the operator into a file that only the panel's own user can read. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Writes `lines` to DIR/NAME with mode 0600 (replacing it) and returns the file's absolute path. */
export function writeSecretFile(dir: string, name: string, lines: string[]): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = resolve(join(dir, name));
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  // An existing file keeps its old mode through writeFileSync: make sure.
  chmodSync(path, 0o600);
  return path;
}
