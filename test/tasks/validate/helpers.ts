import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { componentYaml, teamA } from '../../fixtures/entities';

export const repoRoot = resolve(__dirname, '..', '..', '..');

let built = false;

/** Builds the bundles once per test process, serialised with the other engineers' builds. */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync(
    'flock',
    [
      '/tmp/stagedoor-build.lock',
      process.execPath,
      join(repoRoot, 'scripts/build.mjs'),
    ],
    { stdio: 'inherit' },
  );
  built = true;
}

const made: string[] = [];

/** A throw-away repository with these files (text or bytes), removed by {@link cleanRepos}. */
export function makeRepo(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), 'stagedoor-validate-'));
  made.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

export function cleanRepos(): void {
  for (const root of made.splice(0))
    rmSync(root, { recursive: true, force: true });
}

/** A Component with `extra` metadata lines. */
export const component = (name: string, extra = '', owner = 'team-a') =>
  componentYaml(name, { metadata: extra, owner });

export { teamA };

/**
 * `count` catalog files with every kind of problem spread over them: names, YAML syntax,
 * duplicate keys, empty and binary files, duplicates defined far apart, unresolved owners,
 * missing TechDocs folders, Location targets, multi-document files. What a run over many
 * files must report identically however the files are split up.
 */
export function manyFilesRepo(
  count: number,
): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = {
    'org/catalog-info.yaml': teamA,
  };
  for (let i = 1; i < count; i++) {
    const dir = `services/s${Math.floor(i / 40)}/svc-${i}`;
    const at = `${dir}/catalog-info.yaml`;
    switch (i % 10) {
      case 0:
        files[at] = component(`svc-${i}`);
        break;
      case 1:
        files[at] = component(`Bad Name ${i}`);
        break;
      case 2:
        files[at] =
          `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken-${i}\n  tags: [unclosed\n`;
        break;
      case 3:
        files[at] = component(`dup-${i % 7}`); // defined again 70 files later
        break;
      case 4:
        files[at] = component(
          `docs-${i}`,
          '  annotations:\n    backstage.io/techdocs-ref: dir:.\n',
          `ghost-${i}`,
        );
        if (i % 20 === 4) files[`${dir}/mkdocs.yml`] = 'site_name: x\n';
        break;
      case 5:
        files[at] =
          `apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: api-${i}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  system: system-${i}\n  definition: "{}"\n---\n\n---\n${component(`with-api-${i}`)}`;
        break;
      case 6:
        files[at] =
          `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: twice-${i}\n  name: again-${i}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n`;
        break;
      case 7:
        files[at] = i % 20 === 7 ? '' : new Uint8Array([0, 1, 2, 0xff, 10]);
        break;
      case 8:
        files[at] =
          `apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: loc-${i}\nspec:\n  targets: [./extra.yaml, ./missing-${i}.yaml]\n`;
        files[`${dir}/extra.yaml`] = component(`extra-${i}`, '', 'team-b');
        break;
      default:
        files[at] =
          `${component(`svc-${i}`, '  tags: [Not_A_Tag]\n')}  dependsOn: [resource:db-${i}]\n`;
    }
  }
  return files;
}
