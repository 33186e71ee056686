import { SignInPage } from '@backstage/core-components';
import {
  configApiRef,
  microsoftAuthApiRef,
  useApi,
  type SignInPageProps,
} from '@backstage/core-plugin-api';
import { signInMethodsFor } from './providers';

const microsoft = {
  id: 'microsoft-auth-provider',
  title: 'Microsoft',
  message: 'Sign in with your Microsoft Entra ID account',
  apiRef: microsoftAuthApiRef,
};

export function StagedoorSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const methods = signInMethodsFor(
    config.getOptionalString('auth.environment'),
  );
  return (
    <SignInPage
      {...props}
      title="Stagedoor"
      align="center"
      providers={methods.map(m => (m === 'guest' ? 'guest' : microsoft))}
    />
  );
}
