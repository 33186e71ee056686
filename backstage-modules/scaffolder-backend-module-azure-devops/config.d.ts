export interface Config {
  stagedoor?: {
    scaffolder?: {
      /**
       * Timeout of one Azure DevOps call made by the `azure:*` scaffolder
       * actions, in seconds. Credentials come from `integrations.azure`.
       * @default 30
       */
      requestTimeoutSeconds?: number;
      /**
       * Whether this module registers the action ids that
       * `@backstage-community/plugin-scaffolder-backend-module-azure-devops` also
       * registers (`azure:pipeline:create`, `azure:pipeline:run`,
       * `azure:pipeline:permit`, `azure:pr:create`, `azure:repository:clone`,
       * `azure:repository:push`). Set `false` while both
       * modules are in one backend (otherwise this module refuses to start,
       * naming this setting); the community module then serves those ids and
       * Stagedoor only adds the others. Remove the community module and this
       * setting to move templates over to Stagedoor's actions, which accept the
       * community inputs unchanged.
       * @default true
       */
      registerCommunityActionIds?: boolean;
      /**
       * What templates may make Backstage's identity do in Azure DevOps. A call
       * outside these fails before any request, with a message naming the setting.
       */
      guardrails?: {
        /**
         * Where the actions may act. A call is allowed when one entry covers its
         * action, its organization and every project it touches (including
         * `shareWithProjects`). Patterns are case-insensitive; `*` matches any
         * characters. Organization patterns match the organization name
         * (`contoso`), or `host/path` when they contain a `/`
         * (`dev.azure.com/contoso`, `ado.corp/tfs/Default`). Project patterns
         * match the project as the template names it (a project id only matches `*`).
         * @default [{ organizations: ['*'], projects: ['*'] }] (every organization and project the identity reaches)
         */
        targets?: Array<{
          /**
           * Action ids this entry covers, e.g. `azure:serviceconnection:create`.
           * @default every azure:* action of this module
           */
          actions?: string[];
          /** Organization patterns. */
          organizations: string[];
          /** Project patterns. */
          projects: string[];
        }>;
        /**
         * Whether `azure:serviceconnection:create` may share a connection with
         * other projects (`shareWithProjects`).
         * @default false
         */
        allowCrossProjectSharing?: boolean;
        /**
         * Whether actions may open a resource to every pipeline of a project
         * (`authorizeAllPipelines`, or `allPipelines: true` of `azure:pipeline:permit`).
         * @default false
         */
        allowAuthorizeAllPipelines?: boolean;
        /** Which service connections `azure:serviceconnection:create` may create. */
        serviceConnections?: {
          /**
           * Allowed scopes of Azure Resource Manager connections:
           * `subscription`, `resourceGroup`, `managementGroup`.
           * @default ['subscription', 'resourceGroup']
           */
          scopes?: Array<'subscription' | 'resourceGroup' | 'managementGroup'>;
          /**
           * Allowed connection types: `azurerm`, `generic`, `backstage`.
           * @default ['azurerm', 'generic', 'backstage']
           */
          types?: Array<'azurerm' | 'generic' | 'backstage'>;
        };
      };
    };
  };
}
