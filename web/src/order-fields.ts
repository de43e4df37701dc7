/**
 * The fields the order form shows for each of the 11 service types, by API v2's parameter names. The
 * server validates them (the same rules and messages as API v2); this table only decides what to ask.
 */
export type FieldName =
  | 'link'
  | 'quantity'
  | 'comments'
  | 'usernames'
  | 'hashtags'
  | 'hashtag'
  | 'username'
  | 'media'
  | 'question'
  | 'answers'
  | 'min'
  | 'max'
  | 'posts'
  | 'old_posts'
  | 'delay'
  | 'expiry';

export const FIELDS_BY_TYPE: Record<string, FieldName[]> = {
  Default: ['link', 'quantity'],
  'Custom Comments': ['link', 'comments'],
  'Comment Replies': ['link', 'comments'],
  'Mentions Custom List': ['link', 'usernames'],
  Mentions: ['link', 'quantity', 'usernames'],
  'Mentions with Hashtags': ['link', 'quantity', 'usernames', 'hashtags'],
  'Mentions Hashtag': ['link', 'quantity', 'hashtag'],
  'Mentions User Followers': ['link', 'quantity', 'username'],
  'Mentions Media Likers': ['link', 'quantity', 'media'],
  Poll: ['link', 'quantity', 'question', 'answers'],
  Subscriptions: ['username', 'min', 'max', 'posts', 'old_posts', 'delay', 'expiry'],
};

export const MULTILINE: ReadonlySet<FieldName> = new Set(['comments', 'usernames', 'hashtags', 'answers']);
export const NUMERIC: ReadonlySet<FieldName> = new Set(['quantity', 'min', 'max', 'posts', 'old_posts']);
export const OPTIONAL: ReadonlySet<FieldName> = new Set(['posts', 'old_posts', 'expiry']);
/** Minutes a subscription may wait before delivering (as API v2 accepts them). */
export const DELAYS = [0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600];

export function newIdempotencyKey(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

/** The `?service=ID` search of /new, /sign-in and /sign-up: a positive whole number, else nothing. */
export function serviceSearch(s: Record<string, unknown>): { service?: number } {
  const n = Number(s.service);
  return Number.isInteger(n) && n > 0 ? { service: n } : {};
}
