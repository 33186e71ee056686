import { createExternalRouteRef } from '@backstage/frontend-plugin-api';

/**
 * Where the placeholder's "onboard this repository" link goes: the scaffolder's
 * template page, bound by default (override in `app.routes.bindings`).
 */
export const onboardingTemplateRouteRef = createExternalRouteRef({
  params: ['namespace', 'templateName'],
  defaultTarget: 'scaffolder.selectedTemplate',
});
