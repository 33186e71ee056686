/**
 * Which sign-in methods the web app offers, from the one auth setting the frontend can
 * read (`auth.environment`, visible to the frontend): the backend's providers are
 * configured per environment (app-config.production.yaml sets `production` with
 * Microsoft only and removes guest), and the page must never offer a method the
 * backend would refuse — nor offer guest in production.
 */
export type SignInMethod = 'guest' | 'microsoft';

export function signInMethodsFor(
  authEnvironment: string | undefined,
): SignInMethod[] {
  return (authEnvironment ?? 'development') === 'development'
    ? ['guest']
    : ['microsoft'];
}
