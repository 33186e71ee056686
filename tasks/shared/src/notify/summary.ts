import type { Problem } from '@stagedoor/common';
import { parseRef } from './api';
import type { NotifyResult } from './result';

/** `{appBaseUrl}/catalog/{namespace}/{kind}/{name}`: the entity's page in Backstage. */
export function entityPageUrl(appBaseUrl: string, ref: string): string {
  const { kind, namespace, name } = parseRef(ref);
  return `${appBaseUrl.replace(/\/+$/, '')}/catalog/${[namespace, kind, name].map(encodeURIComponent).join('/')}`;
}

const md = (text: string) => text.replace(/([\\`*_[\]|<>])/g, '\\$1');

function problemLine(p: Problem) {
  return `- ${p.severity === 'error' ? '❌' : '⚠️'} \`${md(p.file)}:${p.line}:${p.column}\` ${md(p.message)} (${p.rule})`;
}

/** The Markdown summary shown on the pipeline run. */
export function renderSummary(
  result: NotifyResult,
  appBaseUrl: string,
): string {
  const lines = [
    `## Backstage catalog ${result.mode}${result.dryRun ? ' (dry run)' : ''}`,
    '',
    md(result.message),
    '',
  ];
  if (result.sourceKey)
    lines.push(
      `Source \`${md(result.sourceKey)}\` at commit \`${md(result.commit ?? '')}\``,
      '',
    );
  const states = new Map((result.processing ?? []).map(s => [s.entityRef, s]));
  const rows: string[] = [];
  const groups: [string, string[]][] = [
    ['added', result.added],
    ['updated', result.updated],
    ['unchanged', result.unchanged],
    ['refreshed', result.refreshed],
  ];
  for (const [change, refs] of groups) {
    for (const ref of refs) {
      const state = states.get(ref);
      const shown = state
        ? state.state === 'failed'
          ? `failed: ${state.errors.map(e => e.message).join('; ')}`
          : state.state
        : '';
      rows.push(
        `| [${md(ref)}](${entityPageUrl(appBaseUrl, ref)}) | ${change} | ${md(shown)} |`,
      );
    }
  }
  for (const ref of result.removed) rows.push(`| ${md(ref)} | removed | |`);
  if (rows.length > 0) {
    lines.push(
      '| Entity | Change | Processing |',
      '| --- | --- | --- |',
      ...rows,
      '',
    );
  }
  if (result.problems.length > 0) {
    lines.push('### Problems', '', ...result.problems.map(problemLine), '');
  }
  return lines.join('\n');
}
