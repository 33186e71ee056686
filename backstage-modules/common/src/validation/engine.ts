import type { Entity } from '@backstage/catalog-model';
import type { Problem } from '../problems';
import { checkWithCatalogRules } from './catalogRules';
import { decodeCatalogFile } from './decode';
import { checkExtraRules, EXTRA_RULES, unresolvedMessage } from './extraRules';
import { checkPolicyRules, missingOwnerMessage } from './policyRules';
import type {
  CatalogFile,
  RuleLevel,
  ValidatedEntity,
  ValidateOptions,
  ValidationResult,
} from './types';
import { parseYamlFile } from './yamlDocs';

/**
 * What is kept of a document once it has been checked. The YAML document itself is dropped
 * right away (positions are resolved eagerly), so memory stays flat over thousands of files.
 * Plain data only: it crosses worker threads when files are checked in parallel.
 */
export interface CheckedDocument {
  file: string;
  line: number;
  column: number;
  entity?: Entity;
  ref?: string;
  hasYamlErrors: boolean;
  problems: Problem[];
  /** Where metadata.name is, for `entity/duplicate`. */
  nameAt: { line: number; column: number };
  /** References still to resolve against every file, with their paths and positions. */
  pending: {
    ref: string;
    path: (string | number)[];
    line: number;
    column: number;
  }[];
}

/**
 * The result of {@link checkCatalogFiles}: every rule that needs only one file, for a run of
 * consecutive files. Plain data (structured-cloneable), so a worker thread can produce it.
 *
 * @public
 */
export interface CatalogFileChecks {
  /** Problems of the files themselves (size, encoding, YAML), in file order. */
  fileProblems: Problem[];
  /** The documents of the files, in file order. */
  documents: CheckedDocument[];
}

const extraRuleIds = new Set<string>(EXTRA_RULES);

function levelOf(rule: string, options: ValidateOptions): RuleLevel {
  const configured = options.policy?.rules?.[rule];
  if (configured) return configured;
  // The organisation's own rules (policy/schema, …) are errors unless lowered.
  if (!extraRuleIds.has(rule)) return 'error';
  return options.strict ? 'error' : 'warning';
}

function byPosition(a: Problem, b: Problem): number {
  return a.file === b.file
    ? a.line - b.line || a.column - b.column
    : a.file < b.file
      ? -1
      : 1;
}

/** Decodes, parses and checks one file: every rule that needs only this file. */
function checkFile(
  file: CatalogFile,
  options: ValidateOptions,
  problems: Problem[],
  checked: CheckedDocument[],
): void {
  const decoded = decodeCatalogFile(
    file.path,
    file.content,
    options.maxFileBytes,
  );
  if ('problem' in decoded) {
    problems.push(decoded.problem);
    return;
  }
  const parsed = parseYamlFile(file.path, decoded.text);
  problems.push(...parsed.problems);
  const nonEmpty = parsed.documents.filter(
    d => d.value !== null && d.value !== undefined,
  );
  if (nonEmpty.length === 0 && parsed.problems.length === 0) {
    problems.push({
      file: file.path,
      line: 1,
      column: 1,
      severity: 'warning',
      rule: 'file/empty',
      message:
        'The file has no YAML documents; add an entity or exclude the file from the file patterns.',
    });
    return;
  }
  for (const doc of nonEmpty) {
    const verdict = checkWithCatalogRules(doc.value, options.policy);
    const entityRef = verdict.ref ? { entityRef: verdict.ref } : {};
    const docProblems: Problem[] = verdict.problems.map(p => ({
      file: file.path,
      ...doc.locate(p.path, p.key),
      severity: 'error',
      rule: p.rule,
      message: p.message,
      ...entityRef,
    }));
    const pending: CheckedDocument['pending'] = [];
    if (verdict.entity && verdict.complete) {
      const extra = checkExtraRules({ file: file.path, verdict, options });
      for (const p of [
        ...extra.problems,
        ...checkPolicyRules(file.path, verdict, options),
      ]) {
        const level = levelOf(p.rule, options);
        if (level === 'off') continue;
        docProblems.push({
          file: file.path,
          ...doc.locate(p.path, p.key),
          severity: level,
          rule: p.rule,
          message: p.message,
          ...entityRef,
        });
      }
      for (const r of extra.pending) {
        pending.push({ ref: r.ref, path: r.path, ...doc.locate(r.path) });
      }
    }
    checked.push({
      file: file.path,
      line: doc.line,
      column: doc.column,
      entity: verdict.entity,
      ref: verdict.ref,
      hasYamlErrors: doc.hasYamlErrors,
      problems: docProblems,
      nameAt: doc.locate(['metadata', 'name']),
      pending,
    });
  }
}

/**
 * The first phase of {@link validateCatalogFiles}: decodes, parses and checks each file on its
 * own. Runs of consecutive files can be checked separately (e.g. in worker threads) and handed
 * to {@link finishCatalogValidation} in file order; the result is the same as checking them all
 * at once. `options.knownEntityRefs` is not used here.
 *
 * @public
 */
export function checkCatalogFiles(
  files: readonly CatalogFile[],
  options: ValidateOptions = {},
): CatalogFileChecks {
  const fileProblems: Problem[] = [];
  const documents: CheckedDocument[] = [];
  for (const file of files) checkFile(file, options, fileProblems, documents);
  return { fileProblems, documents };
}

/**
 * The second phase of {@link validateCatalogFiles}: the rules that need every file (duplicate
 * entities, unresolved references) over the checks of all files, given in file order. Does not
 * change `checks`, so it can run again, e.g. with `knownEntityRefs` from a live lookup.
 *
 * @public
 */
export function finishCatalogValidation(
  checks: readonly CatalogFileChecks[],
  options: ValidateOptions = {},
): ValidationResult {
  const problems: Problem[] = checks.flatMap(c => c.fileProblems);
  const checked = checks.flatMap(c => c.documents);
  const extra = new Map<CheckedDocument, Problem[]>();
  const add = (c: CheckedDocument, p: Problem) => {
    const list = extra.get(c);
    if (list) list.push(p);
    else extra.set(c, [p]);
  };

  // Entities defined twice collide in the catalog: the second is rejected as a conflict.
  const repoRefs = new Map<string, CheckedDocument>();
  for (const c of checked) {
    if (!c.ref) continue;
    const first = repoRefs.get(c.ref);
    if (first) {
      add(c, {
        file: c.file,
        ...c.nameAt,
        severity: 'error',
        rule: 'entity/duplicate',
        message: `${c.ref} is already defined in ${first.file} at line ${first.line}; give one of them another name or namespace.`,
        entityRef: c.ref,
      });
    } else {
      repoRefs.set(c.ref, c);
    }
  }

  const unresolved = new Set<string>();
  const level = levelOf('ref/unresolved', options);
  const live = Boolean(options.knownEntityRefs);
  // Owners must be existing Groups: known only where the live catalog was consulted.
  const ownerLevel =
    options.policy?.ownerMustBeGroup && live
      ? levelOf('policy/owner', options)
      : undefined;
  for (const c of checked) {
    for (const r of c.pending) {
      if (repoRefs.has(r.ref) || options.knownEntityRefs?.has(r.ref)) continue;
      unresolved.add(r.ref);
      if (
        ownerLevel &&
        r.path[0] === 'spec' &&
        r.path[1] === 'owner' &&
        r.ref.startsWith('group:')
      ) {
        if (ownerLevel === 'off') continue;
        add(c, {
          file: c.file,
          line: r.line,
          column: r.column,
          severity: ownerLevel,
          rule: 'policy/owner',
          message: missingOwnerMessage(r.path, r.ref, live),
          entityRef: c.ref,
        });
        continue;
      }
      if (level === 'off') continue;
      add(c, {
        file: c.file,
        line: r.line,
        column: r.column,
        severity: level,
        rule: 'ref/unresolved',
        message: unresolvedMessage(r.path, r.ref, live),
        entityRef: c.ref,
      });
    }
  }

  const entities: ValidatedEntity[] = [];
  for (const c of checked) {
    const own = extra.get(c);
    const docProblems = own ? [...c.problems, ...own] : c.problems;
    problems.push(...docProblems);
    if (
      c.entity &&
      !c.hasYamlErrors &&
      !docProblems.some(p => p.severity === 'error')
    ) {
      entities.push({
        entity: c.entity,
        ref: c.ref!,
        file: c.file,
        line: c.line,
        column: c.column,
      });
    }
  }
  problems.sort(byPosition);
  return { entities, problems, unresolvedRefs: [...unresolved].sort() };
}

/**
 * Validates catalog files: YAML with positions, the catalog's own rules (same verdict as
 * `POST /api/catalog/validate-entity`), and the extra rules of {@link ValidateOptions}.
 * Pure and synchronous: no I/O except through `options.fileExists`. Never throws on bad
 * input; every problem is a {@link Problem} with file, line and column.
 *
 * @public
 */
export function validateCatalogFiles(
  files: CatalogFile[],
  options: ValidateOptions = {},
): ValidationResult {
  return finishCatalogValidation([checkCatalogFiles(files, options)], options);
}
