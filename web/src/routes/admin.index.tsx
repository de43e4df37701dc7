/** `/admin`: the admin area starts at the dashboard for admins, at the users for support. */
import { createFileRoute, Navigate } from '@tanstack/react-router';
import { RequireUser } from '../components/RequireUser';

export const Route = createFileRoute('/admin/')({
  component: () => (
    <RequireUser>
      {(me) => <Navigate to={me.role === 'admin' ? '/admin/dashboard' : '/admin/users'} replace />}
    </RequireUser>
  ),
});
