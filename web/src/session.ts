/** Who is signed in (GET /me; a 401 means nobody), shared by every page through react-query. */
import { useQuery } from '@tanstack/react-query';
import { ApiError, api, unwrap } from './api';

export const meKey = ['me'] as const;

export function useMe() {
  return useQuery({
    queryKey: meKey,
    // The balance in the header follows deposits made meanwhile by the operator.
    refetchInterval: 30_000,
    queryFn: async () => {
      try {
        return await unwrap(api.GET('/api/web/me'));
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
  });
}

/** Panel-wide facts for visitors too (sign-up open, services public, currency). */
export function usePanel() {
  return useQuery({ queryKey: ['panel'], queryFn: () => unwrap(api.GET('/api/web/panel')) });
}
