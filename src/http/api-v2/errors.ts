/**
 * API v2's one map from what went wrong to the error string a client reads: typed failures of the use
 * cases (through failureMessage) and faults of the HTTP layer (bad body, too large, rate limited,
 * internal error). Every one is answered as `{"error": "..."}` with HTTP 200 by the plugin.
 */
import { type Failure, failureMessage } from '../../result.js';

/** A use case's failure as API v2 answers it: `{"error": "Incorrect order ID"}` (the reference's strings). */
export const errorBody = (f: Failure) => ({ error: failureMessage(f) });

/** The message for an error thrown while reading or handling a request, and its HTTP-level status. */
export function httpErrorMessage(err: unknown): { status: number; message: string } {
  const e = err as { statusCode?: number; code?: string; message?: string; error?: string };
  // busboy refuses a multipart type without a usable boundary with a plain Error: bad input, not a fault.
  const badMultipart = e.message === 'Multipart: Boundary not found';
  const status = e.statusCode ?? (badMultipart ? 400 : 500);
  // A multipart body with a file or too many parts is not an API request: 'Incorrect request'.
  const multipartLimit = /^FST_(FILES|PARTS|FIELDS)_LIMIT$/.test(String(e.code));
  if (status === 413 && !multipartLimit) return { status, message: 'Request too large' };
  if (status === 429) return { status, message: e.error ?? 'Too many requests' };
  if (status >= 500) return { status, message: 'Internal error, please retry later' };
  return { status, message: 'Incorrect request' };
}
