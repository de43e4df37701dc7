/**
 * Requests and answers of the admin area's Providers endpoints (admin only). No answer holds a
 * provider's API key: it is sent once, when the provider is added, and only used to call it.
 */
import { z } from 'zod';
import { PROVIDER_STATES } from '../../providers/provider.state.js';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const ProviderIdParams = z.object({ id });

export const Provider = z
  .object({
    id: z.number().int(),
    name: z.string(),
    url: z.string().describe('its API v2 URL'),
    state: z
      .enum(PROVIDER_STATES)
      .describe(
        'active: orders are sent; held: it refused our account (engine); disabled: put on hold by staff',
      ),
    heldReason: z.string().nullable(),
    heldAt: z.string().nullable(),
    sendLimit: z.number().int(),
    services: z.number().int().describe('our services that send to it'),
    openOrders: z.number().int().describe('its orders that have not ended'),
  })
  .meta({ id: 'AdminProvider' });

export const ProviderList = z.object({ providers: z.array(Provider) }).meta({ id: 'AdminProviderList' });

export const AddProvider = z
  .object({
    name: z.string().max(200),
    url: z.string().max(2000).describe('its API v2 URL, e.g. https://panel.example/api/v2'),
    apiKey: z.string().max(1000).describe('our key there: checked with a balance call, never shown again'),
  })
  .meta({ id: 'AdminAddProvider' });

export const ProviderAdded = z
  .object({
    provider: Provider,
    balance: z.string().describe('our balance there, as the provider answered the check'),
  })
  .meta({ id: 'AdminProviderAdded' });

export const ProviderBalance = z
  .object({ balance: z.string(), currency: z.string().nullable() })
  .meta({ id: 'AdminProviderBalance' });

const Linked = z
  .object({ id: z.number().int(), name: z.string(), enabled: z.boolean() })
  .meta({ id: 'AdminLinkedService' });

export const UpstreamServices = z
  .object({
    services: z.array(
      z
        .object({
          service: z.string().describe('the provider’s service id'),
          name: z.string(),
          category: z.string(),
          type: z.string(),
          rate: z.string().describe('the provider’s price per 1000, as it wrote it'),
          min: z.string(),
          max: z.string(),
          dripfeed: z.boolean(),
          refill: z.boolean(),
          cancel: z.boolean(),
          linked: z.array(Linked).describe('our services sending to this one'),
        })
        .meta({ id: 'AdminUpstreamService' }),
    ),
    skipped: z.number().int().describe('entries of its list that could not be read'),
    orphans: z
      .array(Linked.extend({ providerServiceId: z.string().nullable() }))
      .describe('ours linked to a service id the provider no longer lists'),
  })
  .meta({ id: 'AdminUpstreamServices' });

export const ProviderStateChange = z
  .object({
    provider: Provider,
    changed: z.boolean(),
    requeued: z.number().int().describe('held orders queued to be sent again'),
  })
  .meta({ id: 'AdminProviderStateChange' });

export const ProviderRemoved = z
  .object({ id: z.number().int(), name: z.string() })
  .meta({ id: 'AdminProviderRemoved' });
