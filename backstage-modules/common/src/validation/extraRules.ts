import { makeValidator } from '@backstage/catalog-model';
import type { CatalogVerdict, PathProblem } from './catalogRules';
import { dotted } from './messages';
import type { ValidateOptions } from './types';

/**
 * Rules a real catalog does not enforce but teams want. Each has a stable id; all are
 * warnings unless `strict` or the policy's `rules` raise them (see README).
 */
export const EXTRA_RULES = [
  'ref/invalid-name',
  'ref/unresolved',
  'techdocs/mkdocs-missing',
  'placeholder/file-missing',
  'location/target-missing',
  'azure/annotation-format',
  'policy/kind',
  'policy/lifecycle',
  'policy/tag',
  'policy/annotation',
] as const;

const validators = makeValidator();

/** Joins a path relative to a file's folder; null when it climbs out of the repository. */
export function resolveRepoPath(
  fromFile: string,
  relative: string,
): string | null {
  const base = fromFile.split('/').slice(0, -1);
  const parts = relative.startsWith('/') ? [] : base;
  const out = [...parts];
  for (const seg of relative.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else {
      out.push(seg);
    }
  }
  return out.join('/');
}

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
const hasGlob = (s: string) => /[*?[{]/.test(s);

export interface ExtraContext {
  file: string;
  verdict: CatalogVerdict;
  options: ValidateOptions;
}

/** A well-formed reference the caller must still resolve against all files (`ref/unresolved`). */
export interface PendingReference {
  path: (string | number)[];
  ref: string;
}

const AZURE_ANNOTATIONS: Record<
  string,
  { test: (v: string) => boolean; expected: string }
> = {
  'dev.azure.com/project-repo': {
    test: v => /^[^/\s][^/]*\/[^/\s][^/]*$/.test(v),
    expected: '<project>/<repository>, e.g. payments/payments-api',
  },
  'dev.azure.com/project': {
    test: v => v.trim() !== '' && !v.includes('/'),
    expected: 'the project name alone, e.g. payments',
  },
  'dev.azure.com/build-definition': {
    test: v => v.trim() !== '',
    expected: 'a pipeline (build definition) name',
  },
  'dev.azure.com/host-org': {
    test: v => /^[^/\s]+\/[^/\s]+$/.test(v),
    expected: '<host>/<organization>, e.g. dev.azure.com/contoso',
  },
  'dev.azure.com/readme-path': {
    test: v => v.startsWith('/'),
    expected:
      'a path from the repository root starting with /, e.g. /docs/README.md',
  },
};

/**
 * Runs the extra rules that need only this document (everything but `ref/unresolved`) and
 * returns the references left to resolve once every file has been read.
 */
export function checkExtraRules(ctx: ExtraContext): {
  problems: PathProblem[];
  pending: PendingReference[];
} {
  const out: PathProblem[] = [];
  const pending: PendingReference[] = [];
  const { verdict, options, file } = ctx;
  const entity = verdict.entity;
  if (!entity) return { problems: out, pending };
  const add = (
    rule: string,
    path: (string | number)[],
    message: string,
    key = false,
  ) => out.push({ rule, path, message, key });
  const exists = options.fileExists;

  for (const r of verdict.references) {
    if (
      !validators.isValidEntityName(r.name) ||
      !validators.isValidNamespace(r.namespace)
    ) {
      add(
        'ref/invalid-name',
        r.path,
        `${dotted(r.path)} "${r.written}" is not a valid entity reference: names may contain letters, digits, '-', '_' and '.', and namespaces lower-case letters, digits and '-'.`,
      );
      continue;
    }
    pending.push({ path: r.path, ref: r.ref });
  }

  const annotations = entity.metadata.annotations ?? {};
  const techdocs = annotations['backstage.io/techdocs-ref'];
  if (exists && typeof techdocs === 'string' && techdocs.startsWith('dir:')) {
    const dir = resolveRepoPath(file, techdocs.slice(4) || '.');
    const path = ['metadata', 'annotations', 'backstage.io/techdocs-ref'];
    if (dir === null) {
      add(
        'techdocs/mkdocs-missing',
        path,
        `backstage.io/techdocs-ref "${techdocs}" points outside the repository; point it at a folder of this repository.`,
      );
    } else {
      const prefix = dir ? `${dir}/` : '';
      if (!exists(`${prefix}mkdocs.yml`) && !exists(`${prefix}mkdocs.yaml`)) {
        add(
          'techdocs/mkdocs-missing',
          path,
          `backstage.io/techdocs-ref "${techdocs}" points at ${dir || 'the repository root'}, which has no mkdocs.yml; add one there or fix the path.`,
        );
      }
    }
  }

  if (exists) {
    for (const p of verdict.placeholders) {
      if (isUrl(p.target)) continue;
      const target = resolveRepoPath(file, p.target);
      if (target === null || !exists(target)) {
        add(
          'placeholder/file-missing',
          p.path,
          `$${p.resolver} placeholder points at ${p.target}, which ${target === null ? 'is outside the repository' : 'does not exist'}; the catalog will fail to read it.`,
        );
      }
    }
    if (entity.kind === 'Location') {
      const spec = (entity.spec ?? {}) as {
        target?: unknown;
        targets?: unknown;
      };
      const targets: [unknown, (string | number)[]][] = [];
      if (spec.target !== undefined)
        targets.push([spec.target, ['spec', 'target']]);
      if (Array.isArray(spec.targets))
        spec.targets.forEach((t, i) =>
          targets.push([t, ['spec', 'targets', i]]),
        );
      for (const [t, path] of targets) {
        if (typeof t !== 'string' || isUrl(t) || hasGlob(t)) continue;
        const target = resolveRepoPath(file, t);
        if (target === null || !exists(target)) {
          add(
            'location/target-missing',
            path,
            `Location target ${t} ${target === null ? 'is outside the repository' : 'does not exist'}; fix the path or remove the target.`,
          );
        }
      }
    }
  }

  for (const [key, rule] of Object.entries(AZURE_ANNOTATIONS)) {
    const value = annotations[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !rule.test(value)) {
      add(
        'azure/annotation-format',
        ['metadata', 'annotations', key],
        `Annotation ${key} is "${String(value)}" but must be ${rule.expected}.`,
      );
    }
  }
  if (
    annotations['dev.azure.com/build-definition'] !== undefined &&
    annotations['dev.azure.com/project'] === undefined
  ) {
    add(
      'azure/annotation-format',
      ['metadata', 'annotations', 'dev.azure.com/build-definition'],
      'Annotation dev.azure.com/build-definition needs dev.azure.com/project beside it; add the project name.',
    );
  }

  const policy = options.policy;
  if (policy) {
    const lower = (l?: string[]) => (l ?? []).map(s => s.toLowerCase());
    if (
      policy.allowedKinds?.length &&
      !lower(policy.allowedKinds).includes(entity.kind.toLowerCase())
    ) {
      add(
        'policy/kind',
        ['kind'],
        `Kind ${entity.kind} is not allowed here by the policy; allowed: ${policy.allowedKinds.join(', ')}.`,
      );
    }
    const lifecycle = (entity.spec as { lifecycle?: unknown } | undefined)
      ?.lifecycle;
    if (
      policy.allowedLifecycles?.length &&
      typeof lifecycle === 'string' &&
      !lower(policy.allowedLifecycles).includes(lifecycle.toLowerCase())
    ) {
      add(
        'policy/lifecycle',
        ['spec', 'lifecycle'],
        `Lifecycle "${lifecycle}" is not allowed by the policy; use one of ${policy.allowedLifecycles.join(', ')}.`,
      );
    }
    const tags = entity.metadata.tags ?? [];
    for (const tag of policy.requiredTags ?? []) {
      if (!tags.includes(tag))
        add(
          'policy/tag',
          ['metadata', 'tags'],
          `The policy requires the tag "${tag}"; add it to metadata.tags.`,
        );
    }
    for (const a of policy.requiredAnnotations ?? []) {
      if (annotations[a] === undefined)
        add(
          'policy/annotation',
          ['metadata', 'annotations'],
          `The policy requires the annotation ${a}; add it to metadata.annotations.`,
        );
    }
  }
  return { problems: out, pending };
}

/** The message of `ref/unresolved`. */
export function unresolvedMessage(
  path: readonly (string | number)[],
  ref: string,
  liveChecked: boolean,
): string {
  const where = liveChecked
    ? 'neither in these files nor in the catalog'
    : 'in none of these files';
  return `${dotted(path)} refers to ${ref}, which is defined ${where}; check the name or define the entity.`;
}
