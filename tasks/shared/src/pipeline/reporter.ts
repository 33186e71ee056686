/**
 * The task-lib side of the tasks. Only task entry files import this folder: it
 * loads azure-pipelines-task-lib, whose secret vault is module state, so each
 * bundle must hold exactly one copy and the shared core must never load it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task';
import type { Reporter } from '../reporter';

/**
 * Masks a secret in the log. task-lib refuses multi-line secrets (a PEM
 * certificate), so those are masked line by line, armour lines excepted.
 */
export function setSecret(value: string): void {
  const lines = value.split(/\r?\n/).map(l => l.trim());
  if (lines.length === 1) {
    tl.setSecret(value);
    return;
  }
  for (const line of lines) {
    if (line.length >= 8 && !line.startsWith('-----')) tl.setSecret(line);
  }
}

/** Plain lines to the log, problems as `task.logissue` on their file and line, with the rule as code. */
export const taskReporter: Reporter = {
  info: m => console.log(m),
  warn: m => tl.warning(m),
  error: m => tl.error(m),
  problem: p =>
    tl.logIssue(
      p.severity === 'error' ? tl.IssueType.Error : tl.IssueType.Warning,
      p.message,
      p.file,
      p.line,
      p.column,
      p.rule,
    ),
  debug: m => tl.debug(m),
  secret: setSecret,
};

/** Writes Markdown to the agent's temp folder and attaches it to the run's summary page. */
export function uploadSummary(fileName: string, markdown: string): void {
  const path = join(
    tl.getVariable('Agent.TempDirectory') || process.cwd(),
    fileName,
  );
  writeFileSync(path, markdown);
  tl.uploadSummary(path);
}

/** Ends the task as Failed with the error's message (no stack: users read it). */
export function fail(error: unknown): void {
  tl.setResult(
    tl.TaskResult.Failed,
    error instanceof Error ? error.message : String(error),
  );
}

/** A comma- or newline-separated input as a trimmed list without empty items. */
export function listInput(name: string): string[] {
  return (tl.getInput(name) ?? '')
    .split(/[\n,]/)
    .map(s => s.trim())
    .filter(Boolean);
}

/** A boolean input, or undefined when it is not set (the core's normaliser holds the default). */
export function optionalBoolInput(name: string): boolean | undefined {
  return tl.getInput(name) ? tl.getBoolInput(name) : undefined;
}

/** A boolean input with a default for when it is not set at all. */
export function boolInput(name: string, defaultValue: boolean): boolean {
  return tl.getInput(name) ? tl.getBoolInput(name) : defaultValue;
}

/** `System.AccessToken`: the variable when mapped, else the SYSTEMVSSCONNECTION endpoint. */
export function systemAccessToken(): string | undefined {
  return (
    tl.getVariable('System.AccessToken') ||
    tl.getEndpointAuthorizationParameter(
      'SYSTEMVSSCONNECTION',
      'AccessToken',
      true,
    ) ||
    undefined
  );
}
