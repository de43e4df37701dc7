/**
 * The portable snapshot file (docs/operations.md, "Backups and moving"): gzip'd JSON lines.
 *
 *   {"format":"smm-panel-snapshot","version":1,"migrations":[...],"createdAt":"...","source":"sqlite","tables":[...]}
 *   {"t":"users","r":{"id":"1","username":"alice",...}}      one line per row, tables in SNAPSHOT_TABLES order
 *   {"end":{"counts":{"users":1,...}}}                          the last line: rows per table
 *
 * Every number is written as a decimal string (money and ids are integers that may pass 2^53; a float
 * never appears), and both databases take such a string back into their integer columns. A file
 * without its last line, with a line out of order or that is not gzip'd JSON is refused as a whole.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

export const SNAPSHOT_FORMAT = 'smm-panel-snapshot';
export const SNAPSHOT_VERSION = 1;

export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  /** The migrations the source had run: the schema the rows fit. */
  migrations: string[];
  createdAt: string;
  source: 'sqlite' | 'postgres';
  tables: string[];
}

export type SnapshotRecord =
  | { kind: 'header'; header: SnapshotHeader }
  | { kind: 'row'; table: string; row: Record<string, unknown> }
  | { kind: 'end'; counts: Record<string, number> };

/** A row's values for the file: numbers and bigints as decimal strings. */
export function encodeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = typeof v === 'number' || typeof v === 'bigint' ? String(v) : v;
  }
  return out;
}

/** Write the lines `lines` yields to `path`, gzip'd. */
export async function writeSnapshotFile(path: string, lines: () => AsyncGenerator<string>): Promise<void> {
  await pipeline(
    async function* () {
      for await (const line of lines()) yield `${line}\n`;
    },
    createGzip(),
    // Owner-only: the file holds password hashes and the providers' API keys.
    createWriteStream(path, { flags: 'wx', mode: 0o600 }),
  );
}

/** A file that is not a whole, well-formed snapshot. */
export class SnapshotUnreadable extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseHeader(v: unknown): SnapshotHeader {
  if (!isObject(v) || v.format !== SNAPSHOT_FORMAT) throw new SnapshotUnreadable('no snapshot header');
  if (v.version !== SNAPSHOT_VERSION)
    throw new SnapshotUnreadable(`unknown format version ${String(v.version)}`);
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (!strings(v.migrations) || !strings(v.tables) || (v.source !== 'sqlite' && v.source !== 'postgres')) {
    throw new SnapshotUnreadable('malformed header');
  }
  return v as unknown as SnapshotHeader;
}

/**
 * Every record of the file in order, checked as it goes: the header first, rows of the header's
 * tables in its order, the end line last with the counts that were read. Throws SnapshotUnreadable.
 */
export async function* readSnapshotFile(path: string): AsyncGenerator<SnapshotRecord> {
  let streamError: Error | null = null;
  const file = createReadStream(path);
  const gunzip = createGunzip();
  file.on('error', (e) => {
    streamError = e;
    // The error ends the lines (readline ends only on an error or the end of its input).
    gunzip.destroy(e);
  });
  gunzip.on('error', (e) => {
    streamError = e;
  });
  const lines = createInterface({ input: file.pipe(gunzip), crlfDelay: Infinity });
  let header: SnapshotHeader | null = null;
  let ended = false;
  let tableIndex = 0;
  const counts: Record<string, number> = {};
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (ended) throw new SnapshotUnreadable(`line ${lineNo}: data after the end line`);
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw new SnapshotUnreadable(`line ${lineNo} is not JSON`);
      }
      if (!header) {
        header = parseHeader(v);
        for (const t of header.tables) counts[t] = 0;
        yield { kind: 'header', header };
        continue;
      }
      if (isObject(v) && isObject(v.end)) {
        const said = v.end.counts;
        for (const t of header.tables) {
          if (!isObject(said) || said[t] !== counts[t]) {
            throw new SnapshotUnreadable(
              `table ${t}: the end line says ${String(isObject(said) ? said[t] : '?')} rows, ${counts[t]} were read`,
            );
          }
        }
        ended = true;
        yield { kind: 'end', counts };
        continue;
      }
      if (!isObject(v) || typeof v.t !== 'string' || !isObject(v.r)) {
        throw new SnapshotUnreadable(`line ${lineNo} is not a row`);
      }
      const at = header.tables.indexOf(v.t, tableIndex);
      if (at < 0) throw new SnapshotUnreadable(`line ${lineNo}: table ${v.t} unknown or out of order`);
      tableIndex = at;
      counts[v.t] = (counts[v.t] ?? 0) + 1;
      yield { kind: 'row', table: v.t, row: v.r };
    }
  } catch (err) {
    // A file that is missing, not gzip or cut short fails inside the stream.
    if (err instanceof SnapshotUnreadable) throw err;
    throw new SnapshotUnreadable((err as Error).message);
  } finally {
    lines.close();
    file.destroy();
  }
  if (streamError) throw new SnapshotUnreadable((streamError as Error).message);
  if (!header) throw new SnapshotUnreadable('the file is empty');
  if (!ended) throw new SnapshotUnreadable('the file ends before its end line (cut short?)');
}
