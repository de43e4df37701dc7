/** Output helpers: JSON that writes bigints as strings, and tables for people. */

/** JSON.stringify that writes bigints as strings (amounts are exact decimal strings anyway). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * A table for people: a header line naming the columns, then one tab-separated line per row. An empty
 * list prints `empty` alone (a hint what to do), so a script reading the rows never mistakes it for data.
 */
export function table(
  headers: readonly string[],
  rows: readonly (readonly unknown[])[],
  empty: string,
): string[] {
  if (rows.length === 0) return [empty];
  return [
    headers.join('\t'),
    ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))).join('\t')),
  ];
}

/** An epoch-milliseconds time as ISO 8601, or null. */
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A service's flags as one cell: "dripfeed,refill,cancel", or "-" for none. */
export function serviceFlags(s: { dripfeed: boolean; refill: boolean; cancel: boolean }): string {
  return (
    [s.dripfeed ? 'dripfeed' : '', s.refill ? 'refill' : '', s.cancel ? 'cancel' : '']
      .filter(Boolean)
      .join(',') || '-'
  );
}
