/**
 * Upstream service type names onto our 11 types (catalog/service-types.ts). Panels spell them in
 * every way: `Default`, `default`, `custom_comments`, `Custom-Comments`, `mentions with hashtags`.
 * The spelling is normalised (letter case, `_`, `-`, spaces), then a few aliases that real panels
 * (SmartPanel among them) serve are mapped. Anything else stays unknown: the import skips it with the
 * reason, because selling a type we cannot place would take orders we cannot forward.
 */
import { SERVICE_TYPES, type ServiceType } from '../../catalog/service-types.js';

const key = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');

const BY_KEY = new Map<string, ServiceType>(SERVICE_TYPES.map((t) => [key(t), t]));

/**
 * Other names for our types. `Custom Comments Package` takes a list of comments like Custom Comments
 * (the package is the upstream's pricing, the order is the same). `Package` (a fixed bundle, no
 * quantity) and `Comment Likes` (a username and a comment link) have no type of ours: they stay unknown.
 */
const ALIASES: Record<string, ServiceType> = {
  'custom comments package': 'Custom Comments',
  'mentions hashtags': 'Mentions with Hashtags',
  'mentions custom': 'Mentions Custom List',
  'mentions followers': 'Mentions User Followers',
  'mentions likers': 'Mentions Media Likers',
  subscription: 'Subscriptions',
  'comment reply': 'Comment Replies',
  'comments replies': 'Comment Replies',
  polls: 'Poll',
};

/** Our type for an upstream's type name, or why it cannot be imported. */
export function normaliseServiceType(name: string): { type: ServiceType } | { unknown: string } {
  const k = key(name);
  const type = BY_KEY.get(k) ?? ALIASES[k];
  return type ? { type } : { unknown: `unknown type "${name.trim()}"` };
}
