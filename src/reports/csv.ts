/**
 * CSV as RFC 4180 writes it, for the exports: fields separated by commas, lines ended by CRLF, a field
 * holding a comma, a double quote, CR or LF quoted (its quotes doubled). A spreadsheet runs a cell
 * starting with = + - @ (or a tab or CR) as a formula, so such a field is written with a leading `'`
 * (customer data such as links ends up in these cells). A plain number (`-12.50`) is no formula and
 * is left as it is, so signed amounts stay numbers in the sheet.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One record, with its CRLF. */
export function csvLine(fields: readonly (string | number | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
