import type { QueryClient } from '@tanstack/react-query';
import { useQueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, Link, Outlet, useLocation, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api';
import { useMe, usePanel } from '../session';
import { useFormat } from '../use-format';

export const Route = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Layout,
  notFoundComponent: NotFound,
});

/** Pages that already offer sign-in and sign-up themselves: no second pair of links in the header. */
const AUTH_PAGES = new Set(['/sign-in', '/sign-up', '/forgot-password', '/reset-password']);

const NAV = [
  { to: '/services', key: 'nav.services' },
  { to: '/new', key: 'nav.newOrder' },
  { to: '/mass', key: 'nav.mass' },
  { to: '/orders', key: 'nav.orders' },
  { to: '/funds', key: 'nav.funds' },
  { to: '/tickets', key: 'nav.support' },
  { to: '/account', key: 'nav.account' },
  { to: '/api', key: 'nav.api' },
] as const;

function Layout() {
  const { t } = useTranslation();
  const f = useFormat();
  const me = useMe();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const user = me.data;
  const panel = usePanel();
  const onAuthPage = AUTH_PAGES.has(useLocation().pathname);

  async function signOut() {
    await unwrap(api.POST('/api/web/auth/sign-out'));
    qc.clear();
    await navigate({ to: '/sign-in' });
  }

  return (
    <div className="min-h-screen">
      <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/95 backdrop-blur">
        <div className="mx-auto flex max-w-5xl items-center justify-between gap-3 px-4 py-2">
          <Link to="/" className="min-w-0 truncate text-lg font-bold text-indigo-700">
            {panel.data?.panelName ?? t('app.name')}
          </Link>
          {user && (
            <div className="flex items-center gap-3 text-sm">
              <Link
                to="/funds"
                className="rounded-md bg-slate-100 px-2 py-1 font-semibold"
                aria-label={t('funds.balanceLabel')}
              >
                {t('funds.balanceShort', { amount: f.decimal(user.balance), currency: user.currency })}
              </Link>
              <button type="button" onClick={signOut} className="min-h-11 px-1 text-slate-600 underline">
                {t('auth.signOut')}
              </button>
            </div>
          )}
          {me.data === null && !onAuthPage && (
            <div className="flex items-center gap-1 whitespace-nowrap text-sm">
              {panel.data?.publicServices && (
                // On a phone the three links do not fit beside the name; the services are one tap away there.
                <Link
                  to="/services"
                  className="hidden min-h-11 items-center px-2 text-slate-700 sm:inline-flex"
                >
                  {t('nav.services')}
                </Link>
              )}
              <Link
                to="/sign-in"
                className="inline-flex min-h-11 items-center px-2 font-semibold text-indigo-700"
              >
                {t('auth.signIn')}
              </Link>
              {panel.data?.signupOpen && (
                <Link
                  to="/sign-up"
                  className="inline-flex min-h-11 items-center rounded-md bg-indigo-600 px-3 font-semibold text-white"
                >
                  {t('auth.createAccount')}
                </Link>
              )}
            </div>
          )}
        </div>
        {user && (
          <nav aria-label={t('nav.label')} className="mx-auto max-w-5xl px-2">
            {/* Every entry in view on a phone: the links wrap onto a second row rather than scroll away. */}
            <ul className="flex flex-wrap gap-x-1 whitespace-nowrap sm:gap-1">
              {NAV.map((n) => (
                <li key={n.to}>
                  <Link
                    to={n.to}
                    className="inline-block min-h-11 px-2 py-3 text-sm font-medium text-slate-600 sm:px-3"
                    activeProps={{
                      className: 'border-b-2 border-indigo-600 text-indigo-700',
                      'aria-current': 'page',
                    }}
                  >
                    {t(n.key)}
                  </Link>
                </li>
              ))}
              {user.role !== 'customer' && (
                <li>
                  <Link
                    to="/admin"
                    className="inline-block min-h-11 px-2 py-3 text-sm font-medium text-amber-800 sm:px-3"
                    activeProps={{
                      className: 'border-b-2 border-amber-600 text-amber-900',
                      'aria-current': 'page',
                    }}
                  >
                    {t('nav.admin')}
                  </Link>
                </li>
              )}
            </ul>
          </nav>
        )}
      </header>
      <main className="mx-auto max-w-5xl px-4 py-4">
        <Outlet />
      </main>
    </div>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="py-10 text-center">
      <h1 className="text-xl font-bold">{t('notFound.title')}</h1>
      <Link to="/" className="text-indigo-700 underline">
        {t('notFound.home')}
      </Link>
    </div>
  );
}
