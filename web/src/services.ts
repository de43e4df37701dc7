/** The catalogue, shared by the Services and New order pages. */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './api';

export function useServices() {
  return useQuery({ queryKey: ['services'], queryFn: () => unwrap(api.GET('/api/web/services')) });
}
