import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOTIFY_DEFAULTS } from '../../tasks/shared/src/notify/options';
import { TECHDOCS_DEFAULTS } from '../../tasks/shared/src/techdocs/defaults';
import { VALIDATE_DEFAULTS } from '../../tasks/shared/src/validate/defaults';

interface TaskInput {
  name: string;
  defaultValue?: string;
}

function inputsOf(task: string): TaskInput[] {
  const file = join(__dirname, '..', '..', 'tasks', task, 'task.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { inputs: TaskInput[] })
    .inputs;
}

/** A default as task.json writes it: booleans and numbers as strings, lists one a line. */
function asTaskJson(value: unknown): string {
  return Array.isArray(value) ? value.join('\n') : String(value);
}

/**
 * Each task's defaults are stated once, in the core's options normaliser; task.json must
 * declare the same `defaultValue`s (an agent fills those in, a test or CLI run does not).
 */
const cases: {
  task: string;
  defaults: Record<string, unknown>;
  /** Inputs whose default is a pipeline macro or nothing, not an option default. */
  environment: string[];
}[] = [
  {
    task: 'BackstageCatalogNotifyV1',
    defaults: NOTIFY_DEFAULTS,
    environment: [
      'backstageConnection',
      'azureSubscription',
      'rootDirectory',
      'appBaseUrl',
    ],
  },
  {
    task: 'BackstageCatalogValidateV1',
    defaults: VALIDATE_DEFAULTS,
    environment: [
      'root',
      'policyFile',
      'allowedKinds',
      'allowedLifecycles',
      'requiredTags',
      'requiredAnnotations',
      'backstageConnection',
      'azureSubscription',
    ],
  },
  {
    task: 'BackstageTechDocsPublishV1',
    defaults: TECHDOCS_DEFAULTS,
    environment: [
      'azureSubscription',
      'storageAccount',
      'containerName',
      'connectionString',
      'sourceDir',
      'entityRef',
      'siteDir',
      'defaultPlugins',
    ],
  },
];

describe('task defaults, stated once in the core', () => {
  for (const { task, defaults, environment } of cases) {
    it(`${task}: task.json declares the normaliser's defaults`, () => {
      const inputs = inputsOf(task);
      const declared = Object.fromEntries(
        inputs
          .filter(i => !environment.includes(i.name))
          .map(i => [i.name, i.defaultValue]),
      );
      const expected = Object.fromEntries(
        Object.entries(defaults).map(([k, v]) => [k, asTaskJson(v)]),
      );
      assert.deepEqual(declared, expected);
      for (const name of environment) {
        const input = inputs.find(i => i.name === name);
        assert.ok(input, `${task} has no input ${name}`);
        assert.ok(
          !input.defaultValue || input.defaultValue.startsWith('$('),
          `${name}: '${input.defaultValue}' is an option default; state it in the normaliser`,
        );
      }
    });
  }
});
