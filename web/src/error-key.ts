/**
 * Which catalogue entry (`errors.<key>` in locales/*.json) says a refusal: the failure code, or the
 * code and its variant where one code has several sentences. Pure, so the server's tests check that
 * every English entry says exactly what the server (and API v2) says.
 */
export function errorKey(code: string, params: Record<string, string> | undefined): string {
  if (code === 'malformed_line' && params?.problem) return `malformed_line_${params.problem}`;
  if (code === 'rate_limited' && params?.seconds) return 'rate_limited_seconds';
  return code;
}
