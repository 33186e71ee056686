/** The agent's variable → environment name: `Build.SourceBranch` → `BUILD_SOURCEBRANCH`. */
export function envName(name: string): string {
  return name.replace(/[. ]/g, '_').toUpperCase();
}
