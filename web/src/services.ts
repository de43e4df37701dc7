/** The catalogue, shared by the Services and New order pages. */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './api';
import { useMe } from './session';

export function useServices() {
  // Keyed by who is asking: a visitor sees the list prices, a customer their own rates.
  const me = useMe();
  return useQuery({
    queryKey: ['services', me.data?.id ?? null],
    enabled: !me.isPending,
    queryFn: () => unwrap(api.GET('/api/web/services')),
  });
}
