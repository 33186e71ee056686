/**
 * Expands the decorator template the way Azure Pipelines does for one job: first the
 * `${{ }}` template expressions against the decorator context (job steps, repositories,
 * compile-time variables), then each step's runtime `condition:` against the variables
 * the job sees when the step is about to run. Used by the decorator tests.
 */
import { parse } from 'yaml';
import {
  ExpressionContext,
  Value,
  evaluateCondition,
  expandMacros,
  expandTemplateString,
} from './pipeline-expressions';

/** A step as written in the template. */
export interface TemplateStep {
  task: string;
  displayName?: string;
  condition?: string;
  continueOnError?: boolean;
  inputs?: Record<string, string>;
  [key: string]: unknown;
}

export const CHECKOUT_TASK_ID = '6d15af64-176c-496d-b583-fd2ae21d4df4';

/** A step of the job as the decorator context shows it (`job.steps[*]`). */
export interface JobStep {
  task: { id: string; name: string; version: string };
  inputs: Record<string, string>;
}

export function checkoutStep(repository: string): JobStep {
  return {
    task: { id: CHECKOUT_TASK_ID, name: 'Checkout', version: '1.0.0' },
    inputs: { repository },
  };
}

export function scriptStep(): JobStep {
  return {
    task: {
      id: 'd9bafed4-0b18-4f58-968d-86655b4d2ce9',
      name: 'CmdLine',
      version: '2.250.1',
    },
    inputs: { script: 'npm test' },
  };
}

/** What the decorator sees when the job is planned. */
export interface PlanContext {
  steps: JobStep[];
  /** `resources.repositories['self']`: the pipeline's ref and the repository's default branch. */
  self?: { ref: string; defaultBranch: string };
  /** Variables known when the pipeline is compiled (YAML `variables:`, queue time). */
  variables?: Record<string, string>;
}

/** Parses the template and checks the shape a decorator template may have. */
export function parseTemplate(text: string): { steps: unknown[] } {
  const doc = parse(text) as { steps?: unknown[] };
  if (
    !doc ||
    typeof doc !== 'object' ||
    Object.keys(doc).join() !== 'steps' ||
    !Array.isArray(doc.steps)
  ) {
    throw new Error('a decorator template holds one key, steps: a list');
  }
  return doc as { steps: unknown[] };
}

/** Every step of the template with the `${{ if }}` that guards it (undefined when none). */
export function templateSteps(
  text: string,
): { guard?: string; step: TemplateStep }[] {
  const out: { guard?: string; step: TemplateStep }[] = [];
  for (const item of parseTemplate(text).steps) {
    const keys = Object.keys(item as object);
    const ifKey =
      keys.length === 1 ? /^\$\{\{\s*if\s+(.*)\s*\}\}$/.exec(keys[0]) : null;
    if (ifKey) {
      for (const step of (item as Record<string, TemplateStep[]>)[keys[0]])
        out.push({ guard: ifKey[1], step });
    } else {
      out.push({ step: item as TemplateStep });
    }
  }
  return out;
}

function planContext(plan: PlanContext): ExpressionContext {
  const repositories: Record<string, Value> = {};
  if (plan.self) {
    repositories.self = {
      alias: 'self',
      type: 'Git',
      ref: plan.self.ref,
      defaultBranch: plan.self.defaultBranch,
    };
  }
  return {
    named: {
      job: { steps: plan.steps as unknown as Value[] },
      resources: { repositories },
      variables: plan.variables ?? {},
    },
  };
}

/** The steps the decorator adds to the planned job (template expressions applied). */
export function expandForJob(text: string, plan: PlanContext): TemplateStep[] {
  const ctx = planContext(plan);
  const expandValue = (v: unknown): unknown => {
    if (typeof v === 'string') return expandTemplateString(v, ctx);
    if (Array.isArray(v)) return v.map(expandValue);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // Conditional insertion into a mapping: `${{ if cond }}: { key: value }`.
      const guard = /^\$\{\{\s*if\s+(.*)\s*\}\}$/.exec(k);
      if (guard) {
        if (evaluateCondition(guard[1], ctx)) {
          Object.assign(out, expandValue(x) as Record<string, unknown>);
        }
      } else {
        out[k] = expandValue(x);
      }
    }
    return out;
  };
  return templateSteps(text)
    .filter(({ guard }) => guard === undefined || evaluateCondition(guard, ctx))
    .map(({ step }) => expandValue(step) as TemplateStep);
}

/** What the job looks like when a decorator step is about to run. */
export interface RunContext {
  variables: Record<string, string>;
  jobStatus?: 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Canceled';
}

/** The planned steps whose runtime condition holds, with `$(macros)` in inputs expanded. */
export function stepsThatRun(
  steps: TemplateStep[],
  run: RunContext,
): TemplateStep[] {
  const ctx: ExpressionContext = {
    named: { variables: run.variables },
    jobStatus: run.jobStatus,
  };
  return steps
    .filter(step => evaluateCondition(step.condition ?? 'succeeded()', ctx))
    .map(step => ({
      ...step,
      inputs: Object.fromEntries(
        Object.entries(step.inputs ?? {}).map(([k, v]) => [
          k,
          expandMacros(String(v), run.variables),
        ]),
      ),
    }));
}
