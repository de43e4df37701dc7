/** The 11 service types of API v2, spelled exactly as clients send and read them. */
export const SERVICE_TYPES = [
  'Default',
  'Custom Comments',
  'Mentions',
  'Mentions with Hashtags',
  'Mentions Custom List',
  'Mentions Hashtag',
  'Mentions User Followers',
  'Mentions Media Likers',
  'Poll',
  'Comment Replies',
  'Subscriptions',
] as const;

export type ServiceType = (typeof SERVICE_TYPES)[number];

export function isServiceType(s: string): s is ServiceType {
  return (SERVICE_TYPES as readonly string[]).includes(s);
}
