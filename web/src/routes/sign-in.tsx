import { createFileRoute } from '@tanstack/react-router';
import { AuthForm } from '../components/AuthForm';
import { serviceSearch } from '../order-fields';

export const Route = createFileRoute('/sign-in')({
  validateSearch: serviceSearch,
  component: SignForm,
});

function SignForm() {
  const { service } = Route.useSearch();
  return <AuthForm mode="sign-in" service={service} />;
}
