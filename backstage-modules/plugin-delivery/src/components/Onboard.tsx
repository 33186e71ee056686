import type { Entity } from '@backstage/catalog-model';
import { Link } from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import Typography from '@material-ui/core/Typography';
import type { SourceStatus } from '@stagedoor/common';
import { ONBOARDING_TEMPLATE, onboardingFormData } from '../annotations';
import { onboardingTemplateRouteRef } from '../routes';

/**
 * On a discovery placeholder: "unowned — onboard this repository", linked to the
 * onboarding template with the placeholder, the repository and a name filled in (the
 * scaffolder reads `formData` from the query).
 */
export function Onboard(props: { entity: Entity; status?: SourceStatus }) {
  const templateRoute = useRouteRef(onboardingTemplateRouteRef);
  const formData = onboardingFormData(props.entity, props.status);
  const href = templateRoute
    ? `${templateRoute(ONBOARDING_TEMPLATE)}?${new URLSearchParams({
        formData: JSON.stringify(formData),
      })}`
    : undefined;
  return (
    <Typography variant="body1" gutterBottom data-testid="delivery-unowned">
      <strong>unowned</strong> —{' '}
      {href ? (
        <Link to={href}>onboard this repository</Link>
      ) : (
        'onboard this repository (install the scaffolder plugin for the link)'
      )}
    </Typography>
  );
}
