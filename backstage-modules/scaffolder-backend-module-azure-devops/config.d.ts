export interface Config {
  stagedoor?: {
    scaffolder?: {
      /**
       * Timeout of one Azure DevOps call made by the `azure:*` scaffolder
       * actions, in seconds. Credentials come from `integrations.azure`.
       * @default 30
       */
      requestTimeoutSeconds?: number;
    };
  };
}
