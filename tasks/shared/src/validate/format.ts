import type { Problem, ValidationResult } from '@stagedoor/common';

/** What `--format json` prints per problem: the documented, stable shape. */
export function toJsonProblems(problems: readonly Problem[]): Problem[] {
  return problems.map(p => ({
    file: p.file,
    line: p.line,
    column: p.column,
    severity: p.severity,
    rule: p.rule,
    message: p.message,
    ...(p.entityRef ? { entityRef: p.entityRef } : {}),
  }));
}

/** `file:line:column  severity  message  [rule]`, one line per problem, as compilers print. */
export function formatText(problems: readonly Problem[]): string {
  return problems
    .map(
      p =>
        `${p.file}:${p.line}:${p.column}  ${p.severity.padEnd(7)}  ${p.message}  [${p.rule}]\n`,
    )
    .join('');
}

/** One line that sums a run up. */
export function summaryLine(
  result: ValidationResult,
  fileCount: number,
): string {
  const errors = result.problems.filter(p => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  const plural = (n: number, word: string) =>
    `${n} ${word}${n === 1 ? '' : 's'}`;
  const entities =
    result.entities.length === 1
      ? '1 valid entity'
      : `${result.entities.length} valid entities`;
  return `Validated ${plural(fileCount, 'file')}: ${entities}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}.`;
}

/**
 * SARIF 2.1.0, the format code-scanning views read (GitHub code scanning, the Azure DevOps
 * SARIF viewer): one rule per rule id, one result per problem with its region.
 */
export function formatSarif(
  problems: readonly Problem[],
  version: string,
  /** Why the run could not happen: reported as a tool execution notification. */
  failure?: { rule: string; message: string },
): string {
  const ruleIds = [...new Set(problems.map(p => p.rule))].sort();
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'stagedoor',
            version,
            informationUri: 'https://github.com/stagedoor/stagedoor',
            rules: ruleIds.map(id => ({
              id,
              name: id,
              shortDescription: { text: id },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: !failure,
            ...(failure
              ? {
                  toolExecutionNotifications: [
                    {
                      level: 'error',
                      message: { text: failure.message },
                      descriptor: { id: failure.rule },
                    },
                  ],
                }
              : {}),
          },
        ],
        results: problems.map(p => ({
          ruleId: p.rule,
          ruleIndex: ruleIds.indexOf(p.rule),
          level: p.severity,
          message: { text: p.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: p.file, uriBaseId: '%SRCROOT%' },
                region: { startLine: p.line, startColumn: p.column },
              },
            },
          ],
          ...(p.entityRef ? { properties: { entityRef: p.entityRef } } : {}),
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const MAX_ROWS = 200;

/**
 * The Markdown summary attached to a pipeline run: counts, the entities found and the
 * problems, each table capped so a huge repository still gets a readable page.
 */
export function markdownSummary(
  result: ValidationResult,
  files: readonly string[],
): string {
  const errors = result.problems.filter(p => p.severity === 'error');
  const warnings = result.problems.filter(p => p.severity === 'warning');
  const verdict = errors.length ? '❌' : warnings.length ? '⚠️' : '✅';
  const lines = [
    `## ${verdict} Backstage catalog validation`,
    '',
    `${files.length} file(s), ${result.entities.length} valid entit${result.entities.length === 1 ? 'y' : 'ies'}, ${errors.length} error(s), ${warnings.length} warning(s).`,
    '',
  ];
  const problemsByRef = new Map<string, number>();
  for (const p of result.problems)
    if (p.entityRef)
      problemsByRef.set(p.entityRef, (problemsByRef.get(p.entityRef) ?? 0) + 1);
  if (result.entities.length) {
    lines.push(
      '### Entities',
      '',
      '| Entity | Kind | File | Warnings |',
      '| --- | --- | --- | --- |',
    );
    for (const e of result.entities.slice(0, MAX_ROWS)) {
      lines.push(
        `| ${cell(e.ref)} | ${cell(e.entity.kind)} | ${cell(e.file)}:${e.line} | ${problemsByRef.get(e.ref) ?? 0} |`,
      );
    }
    if (result.entities.length > MAX_ROWS)
      lines.push('', `… and ${result.entities.length - MAX_ROWS} more.`);
    lines.push('');
  }
  if (result.problems.length) {
    lines.push(
      '### Problems',
      '',
      '| | Where | Rule | Message |',
      '| --- | --- | --- | --- |',
    );
    for (const p of result.problems.slice(0, MAX_ROWS)) {
      lines.push(
        `| ${p.severity === 'error' ? '❌' : '⚠️'} | ${cell(p.file)}:${p.line}:${p.column} | \`${p.rule}\` | ${cell(p.message)} |`,
      );
    }
    if (result.problems.length > MAX_ROWS)
      lines.push(
        '',
        `… and ${result.problems.length - MAX_ROWS} more in the log.`,
      );
    lines.push('');
  }
  return lines.join('\n');
}
