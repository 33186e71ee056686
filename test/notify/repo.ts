/** Temporary repositories on disk and the pipeline variables of a build of them. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const made: string[] = [];
let build = 5000;

/** Writes `files` into a new temporary folder and returns it. */
export function makeRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'stagedoor-notify-repo-'));
  made.push(dir);
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

export function removeRepos() {
  for (const dir of made.splice(0))
    rmSync(dir, { recursive: true, force: true });
}

/** Pipeline variables of a main-branch CI build of `repo`, with a fresh build id and commit. */
export function buildVariables(
  repo: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const id = ++build;
  return {
    'System.CollectionUri': 'https://dev.azure.com/contoso/',
    'System.TeamProject': 'shop',
    'System.TeamFoundationCollectionUri': 'https://dev.azure.com/contoso/',
    'Build.Repository.Name': repo,
    'Build.Repository.ID': '3f1c1c4e-0000-4000-8000-00000000000a',
    'Build.Repository.Uri': `https://dev.azure.com/contoso/shop/_git/${repo}`,
    'Build.SourceBranch': 'refs/heads/main',
    'Build.SourceVersion': id.toString(16).padStart(40, 'c'),
    'Build.BuildId': String(id),
    'Build.Reason': 'IndividualCI',
    ...extra,
  };
}
