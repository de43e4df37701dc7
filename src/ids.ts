/**
 * Whole numbers as callers write them: ids of orders, services, refills, users, providers, and counts
 * such as quantities. One rule for every face: up to 15 digits (exact as a JS number), surrounding
 * blanks ignored, nothing else (no sign, no decimals, no exponent).
 */
const WHOLE_RE = /^\d{1,15}$/;

/** The text of a whole number of at most 15 digits (blanks around it removed), or null. */
function wholeNumberText(text: string | undefined): string | null {
  const t = text?.trim();
  return t !== undefined && WHOLE_RE.test(t) ? t : null;
}

/** A whole number of at most 15 digits, or null. */
export function parseWholeNumber(text: string | undefined): bigint | null {
  const t = wholeNumberText(text);
  return t === null ? null : BigInt(t);
}

/** A positive integer id, or null. */
export function parseId(text: string | undefined): number | null {
  // 15 digits are exact as a number: no bigint needed on the way (100 ids per `status` call).
  const n = Number(wholeNumberText(text) ?? 0);
  return n > 0 ? n : null;
}
