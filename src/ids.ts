/**
 * Whole numbers as callers write them: ids of orders, services, refills, users, providers, and counts
 * such as quantities. One rule for every face: up to 15 digits (exact as a JS number), surrounding
 * blanks ignored, nothing else (no sign, no decimals, no exponent).
 */
const WHOLE_RE = /^\d{1,15}$/;

/** A whole number of at most 15 digits, or null. */
export function parseWholeNumber(text: string | undefined): bigint | null {
  if (text === undefined) return null;
  const t = text.trim();
  return WHOLE_RE.test(t) ? BigInt(t) : null;
}

/** A positive integer id, or null. */
export function parseId(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  // 15 digits are exact as a number: no bigint needed on the way (100 ids per `status` call).
  const n = WHOLE_RE.test(t) ? Number(t) : 0;
  return n > 0 ? n : null;
}
