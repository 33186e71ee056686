import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import {
  checkCatalogFiles,
  finishCatalogValidation,
  parsePolicyFile,
  type CatalogFileChecks,
  type ValidateOptions,
  type ValidationPolicy,
  type ValidationResult,
} from '@stagedoor/common';
import type { BackstageConnection } from '../auth/types';
import type { HttpClient } from '../http';
import type { Reporter } from '../reporter';
import {
  catalogPatterns,
  DEFAULT_CATALOG_PATTERNS,
  discoverCatalogFiles,
  skippedSkeletonsLine,
  type DiscoveredFile,
} from './discover';
import { cachedExists, repoFileReader } from './fileExists';
import { markdownSummary, summaryLine } from './format';
import { VALIDATE_DEFAULTS } from './defaults';
import {
  CatalogFileCheckers,
  measureSpareCores,
  PARALLEL_THRESHOLD,
  threadsFor,
} from './parallel';

/** When problems fail the run: on errors (default), on any problem, or never (report only). */
export type FailOn = 'error' | 'warning' | 'never';

/** Options of {@link runValidate}; field names equal the task's input names. */
export interface ValidateRunOptions {
  /** Repository root; paths in problems are relative to it. */
  root: string;
  /** Globs, files or folders relative to the root; `!glob` excludes. Default: `catalog-info.yaml` and `catalog-info.yml` in any folder. */
  patterns?: string[];
  /** Also validate software-template skeleton files (left out by default, with one line saying so). */
  includeTemplateSkeletons?: boolean;
  /** Also validate the files Location entities point at. Default true. */
  followLocations?: boolean;
  /** Policy file, relative to the root. Default `.stagedoor.yaml` when it exists. */
  policyFile?: string;
  /** Warnings count as errors. */
  strict?: boolean;
  failOn?: FailOn;
  /** Policy lists from task inputs; a non-empty list replaces the policy file's. */
  allowedKinds?: string[];
  allowedLifecycles?: string[];
  requiredTags?: string[];
  requiredAnnotations?: string[];
  /** Look references up in the live catalog (needs `backstage`). */
  checkReferences?: boolean;
  backstage?: BackstageConnection;
  /** Timeout of one by-refs request. Default 20 s. */
  lookupTimeoutMs?: number;
  /** For tests: the client used for the lookup. */
  lookupClient?: HttpClient;
  /**
   * Threads that check files, the main one included (not a task input). Default: one below
   * 200 files, else one plus one per idle core, up to 4. Either way the result is the same.
   */
  threads?: number;
}

export interface ValidateRunResult {
  /** Files validated, relative to the root. Empty: the repository has no catalog files. */
  files: string[];
  result: ValidationResult;
  errors: number;
  warnings: number;
  outcome: 'Succeeded' | 'SucceededWithIssues' | 'Failed';
  /** One line for the task result / CLI. */
  message: string;
  /** Markdown for the run's summary tab ('' when there were no files). */
  summary: string;
}

function readPolicy(
  root: string,
  policyFile: string | undefined,
): { policy: ValidationPolicy; strict?: boolean } {
  const explicit = policyFile?.trim();
  const path = explicit
    ? isAbsolute(explicit)
      ? explicit
      : join(root, explicit)
    : join(root, '.stagedoor.yaml');
  if (!existsSync(path)) {
    if (explicit)
      throw new Error(
        `The policy file ${explicit} does not exist; fix policyFile or leave it empty.`,
      );
    return { policy: {} };
  }
  return parsePolicyFile(
    readFileSync(path, 'utf8'),
    explicit || '.stagedoor.yaml',
  );
}

/** The organisation's policy from Backstage; undefined (with a warning) when it cannot be read. */
async function serverPolicy(
  connection: BackstageConnection,
  options: ValidateRunOptions,
  reporter: Reporter,
): Promise<ValidationPolicy | undefined> {
  try {
    const { fetchServerPolicy } = await import('./serverPolicy.js');
    const policy = await fetchServerPolicy(connection, reporter, {
      timeoutMs: options.lookupTimeoutMs,
      client: options.lookupClient,
    });
    reporter.info(
      policy
        ? `Using the organisation's policy from ${connection.url} (stagedoor.policy).`
        : `${connection.url} has no organisation policy (stagedoor.policy); using the repository's policy file, if any.`,
    );
    return policy;
  } catch (error) {
    reporter.warn(
      `Could not read the organisation's policy from ${connection.url} (${error instanceof Error ? error.message : String(error)}); using the repository's policy file, if any.`,
    );
    return undefined;
  }
}

/**
 * Finds the files and checks each on its own (the engine's first phase). Workers, when the
 * count calls for them, start as soon as the patterns matched, so they load while the files
 * are read.
 */
async function findAndCheck(
  root: string,
  patterns: string[],
  options: ValidateRunOptions,
  engineOptions: ValidateOptions,
  reporter: Reporter,
): Promise<{ files: DiscoveredFile[]; checks: CatalogFileChecks[] }> {
  let checkers: CatalogFileCheckers | undefined;
  const spareCores = measureSpareCores();
  try {
    const files = await discoverCatalogFiles(root, patterns, {
      followLocations:
        options.followLocations ?? VALIDATE_DEFAULTS.followLocations,
      skipTemplateSkeletons: !options.includeTemplateSkeletons,
      onSkipped: skipped => reporter.info(skippedSkeletonsLine(skipped)),
      onMatched: count => {
        let threads = options.threads;
        if (threads === undefined) {
          const spare = spareCores();
          threads = threadsFor(count, spare);
          if (count >= PARALLEL_THRESHOLD)
            reporter.debug(
              `${count} files, ${spare === Infinity ? 'spare cores unknown' : `${spare.toFixed(1)} spare core(s)`}: checking on ${threads} thread(s).`,
            );
        }
        checkers = new CatalogFileCheckers({
          root,
          options: engineOptions,
          threads,
          debug: m => reporter.debug(m),
        });
      },
    });
    if (files.length === 0) return { files, checks: [] };
    reporter.debug(`Validating ${files.map(f => f.path).join(', ')}`);
    if (checkers?.workers)
      reporter.debug(
        `Checking ${files.length} files on ${checkers.workers + 1} threads.`,
      );
    const checks = checkers
      ? await checkers.check(files)
      : [checkCatalogFiles(files, engineOptions)];
    return { files, checks };
  } finally {
    checkers?.close();
  }
}

/**
 * Finds the catalog files, validates them with the shared engine (references to files checked
 * on disk, references to entities optionally against the live catalog), reports every problem
 * and decides the outcome. Bad input (a broken policy file, a missing root) throws.
 */
export async function runValidate(
  options: ValidateRunOptions,
  reporter: Reporter,
): Promise<ValidateRunResult> {
  const root = resolve(options.root);
  const patterns = catalogPatterns(root, options.patterns ?? []);
  const fromFile = readPolicy(root, options.policyFile);
  // One policy, two enforcers: with a Backstage connection, the organisation's policy the push
  // route enforces (stagedoor.policy) replaces the repository's policy file.
  const fromServer = options.backstage
    ? await serverPolicy(options.backstage, options, reporter)
    : undefined;
  const basePolicy = fromServer ?? fromFile.policy;
  const pick = (input: string[] | undefined, file: string[] | undefined) =>
    input?.length ? input : file;
  const policy: ValidationPolicy = {
    ...basePolicy,
    allowedKinds: pick(options.allowedKinds, basePolicy.allowedKinds),
    allowedLifecycles: pick(
      options.allowedLifecycles,
      basePolicy.allowedLifecycles,
    ),
    requiredTags: pick(options.requiredTags, basePolicy.requiredTags),
    requiredAnnotations: pick(
      options.requiredAnnotations,
      basePolicy.requiredAnnotations,
    ),
  };
  const strict = options.strict || fromFile.strict || false;
  const failOn = options.failOn ?? VALIDATE_DEFAULTS.failOn;

  const engineOptions: ValidateOptions = {
    strict,
    policy,
    fileExists: cachedExists(p => existsSync(join(root, p))),
    readFile: repoFileReader(root),
  };
  const searched = patterns?.length ? patterns : DEFAULT_CATALOG_PATTERNS;
  const { files, checks } = await findAndCheck(
    root,
    searched,
    options,
    engineOptions,
    reporter,
  );
  if (files.length === 0) {
    // A quiet no-op: an org-wide decorator runs this in repositories that have no catalog.
    const message = `No catalog files found (${searched.join(', ')}); nothing to validate.`;
    reporter.info(message);
    return {
      files: [],
      result: { entities: [], problems: [] },
      errors: 0,
      warnings: 0,
      outcome: 'Succeeded',
      message,
      summary: '',
    };
  }
  const paths = files.map(f => f.path);

  let result = finishCatalogValidation(checks, engineOptions);
  if (
    options.checkReferences &&
    options.backstage &&
    result.unresolvedRefs?.length
  ) {
    try {
      // Loaded only here: the lookup's auth pulls in the Azure SDKs, which a plain run never needs.
      const { findExistingRefs } = await import('./references.js');
      const known = await findExistingRefs(
        options.backstage,
        result.unresolvedRefs,
        reporter,
        {
          timeoutMs: options.lookupTimeoutMs,
          client: options.lookupClient,
        },
      );
      reporter.info(
        `Looked up ${result.unresolvedRefs.length} reference(s) in ${options.backstage.url}: ${known.size} exist.`,
      );
      // Only the rules across files change with the catalog's answer: no file is parsed again.
      result = finishCatalogValidation(checks, {
        ...engineOptions,
        knownEntityRefs: known,
      });
    } catch (error) {
      reporter.warn(
        `Could not look references up in ${options.backstage.url} (${error instanceof Error ? error.message : String(error)}); references were checked against these files only.`,
      );
    }
  } else if (options.checkReferences && !options.backstage) {
    throw new Error(
      'checkReferences needs a Backstage service connection (backstageConnection).',
    );
  }

  for (const p of result.problems) reporter.problem(p);
  const errors = result.problems.filter(p => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  const failed =
    failOn === 'error'
      ? errors > 0
      : failOn === 'warning'
        ? errors + warnings > 0
        : false;
  const outcome = failed
    ? 'Failed'
    : errors + warnings > 0
      ? 'SucceededWithIssues'
      : 'Succeeded';
  const message = summaryLine(result, files.length);
  reporter.info(message);
  return {
    files: paths,
    result,
    errors,
    warnings,
    outcome,
    message,
    summary: markdownSummary(result, paths),
  };
}
