import type { Problem } from '../problems';
import { checkWithCatalogRules, CatalogVerdict } from './catalogRules';
import { decodeCatalogFile } from './decode';
import { checkExtraRules, EXTRA_RULES } from './extraRules';
import type { CatalogFile, RuleLevel, ValidatedEntity, ValidateOptions, ValidationResult } from './types';
import { parseYamlFile, ParsedDocument } from './yamlDocs';

interface CheckedDocument {
  file: string;
  doc: ParsedDocument;
  verdict: CatalogVerdict;
  problems: Problem[];
}

const extraRuleIds = new Set<string>(EXTRA_RULES);

function levelOf(rule: string, options: ValidateOptions): RuleLevel {
  const configured = options.policy?.rules?.[rule];
  if (configured) return configured;
  return options.strict ? 'error' : 'warning';
}

function byPosition(a: Problem, b: Problem): number {
  return a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1;
}

/**
 * Validates catalog files: YAML with positions, the catalog's own rules (same verdict as
 * `POST /api/catalog/validate-entity`), and the extra rules of {@link ValidateOptions}.
 * Pure and synchronous: no I/O except through `options.fileExists`. Never throws on bad
 * input; every problem is a {@link Problem} with file, line and column.
 *
 * @public
 */
export function validateCatalogFiles(files: CatalogFile[], options: ValidateOptions = {}): ValidationResult {
  const problems: Problem[] = [];
  const checked: CheckedDocument[] = [];

  for (const file of files) {
    const decoded = decodeCatalogFile(file.path, file.content, options.maxFileBytes);
    if ('problem' in decoded) {
      problems.push(decoded.problem);
      continue;
    }
    const parsed = parseYamlFile(file.path, decoded.text);
    problems.push(...parsed.problems);
    const nonEmpty = parsed.documents.filter(d => d.value !== null && d.value !== undefined);
    if (nonEmpty.length === 0 && parsed.problems.length === 0) {
      problems.push({
        file: file.path,
        line: 1,
        column: 1,
        severity: 'warning',
        rule: 'file/empty',
        message: 'The file has no YAML documents; add an entity or exclude the file from the file patterns.',
      });
      continue;
    }
    for (const doc of nonEmpty) {
      const verdict = checkWithCatalogRules(doc.value);
      const docProblems = verdict.problems.map(p => {
        const at = doc.locate(p.path, p.key);
        return {
          file: file.path,
          line: at.line,
          column: at.column,
          severity: 'error' as const,
          rule: p.rule,
          message: p.message,
          ...(verdict.ref ? { entityRef: verdict.ref } : {}),
        };
      });
      checked.push({ file: file.path, doc, verdict, problems: docProblems });
    }
  }

  // Entities defined twice collide in the catalog: the second is rejected as a conflict.
  const repoRefs = new Map<string, CheckedDocument>();
  for (const c of checked) {
    if (!c.verdict.ref) continue;
    const first = repoRefs.get(c.verdict.ref);
    if (first) {
      const at = c.doc.locate(['metadata', 'name']);
      c.problems.push({
        file: c.file,
        ...at,
        severity: 'error',
        rule: 'entity/duplicate',
        message: `${c.verdict.ref} is already defined in ${first.file} at line ${first.doc.line}; give one of them another name or namespace.`,
        entityRef: c.verdict.ref,
      });
    } else {
      repoRefs.set(c.verdict.ref, c);
    }
  }

  const unresolved = new Set<string>();
  const refSet = new Set(repoRefs.keys());
  for (const c of checked) {
    if (!c.verdict.entity || c.verdict.problems.length) continue;
    for (const p of checkExtraRules({ file: c.file, verdict: c.verdict, repoRefs: refSet, options, unresolved })) {
      const level = extraRuleIds.has(p.rule) ? levelOf(p.rule, options) : 'error';
      if (level === 'off') continue;
      const at = c.doc.locate(p.path, p.key);
      c.problems.push({
        file: c.file,
        ...at,
        severity: level,
        rule: p.rule,
        message: p.message,
        entityRef: c.verdict.ref,
      });
    }
  }

  const entities: ValidatedEntity[] = [];
  for (const c of checked) {
    problems.push(...c.problems);
    if (c.verdict.entity && !c.doc.hasYamlErrors && !c.problems.some(p => p.severity === 'error')) {
      entities.push({ entity: c.verdict.entity, ref: c.verdict.ref!, file: c.file, line: c.doc.line, column: c.doc.column });
    }
  }
  problems.sort(byPosition);
  return { entities, problems, unresolvedRefs: [...unresolved].sort() };
}
