/** Configuration read by the baseline backend itself (src/startupBanner.ts). */
export interface Config {
  stagedoor?: {
    /**
     * Print the static development token and a sample call once the backend is up.
     * Development only; app-config.production.yaml sets it to false.
     * @default false
     */
    printDevToken?: boolean;
  };
}
