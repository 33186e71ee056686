import { strict as assert } from 'node:assert';
import {
  parsePolicy,
  parsePolicyFile,
  type Problem,
  type ValidateOptions,
  validateCatalogFiles,
} from '@stagedoor/common';
import { ORG_POLICY } from '../../fixtures/orgPolicy';
import { teamA } from '../../fixtures/entities';

const service = (
  name: string,
  {
    type = 'service',
    owner = 'team-a',
    annotations = '    azure.com/resource-group: rg-payments\n',
  }: { type?: string; owner?: string; annotations?: string } = {},
) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\n${
    annotations ? `  annotations:\n${annotations}` : ''
  }spec:\n  type: ${type}\n  lifecycle: production\n  owner: ${owner}\n`;

function check(
  files: Record<string, string>,
  options: ValidateOptions = { policy: ORG_POLICY },
) {
  return validateCatalogFiles(
    Object.entries(files).map(([path, content]) => ({ path, content })),
    options,
  );
}

const brief = (problems: Problem[]) =>
  problems.map(p => `${p.file}:${p.line} ${p.severity} ${p.rule}`);

describe("the validation engine with the organisation's policy", () => {
  it('accepts what the policy allows', () => {
    const { problems, entities } = check({
      'catalog-info.yaml': `${teamA}---\n${service('payments')}`,
    });
    assert.deepEqual(problems, []);
    assert.equal(entities.length, 2);
  });

  it('applies extra JSON Schemas per kind and type, at the offending line', () => {
    const { problems, entities } = check({
      'catalog-info.yaml': `${teamA}---\n${service('payments', { annotations: '' })}---\n${service(
        'billing',
        { annotations: '    azure.com/resource-group: payments\n' },
      )}---\n${service('site', { type: 'website', annotations: '' })}`,
    });
    assert.deepEqual(brief(problems), [
      'catalog-info.yaml:12 error policy/schema',
      'catalog-info.yaml:23 error policy/schema',
    ]);
    assert.equal(
      problems[0].message,
      '"metadata" is missing the required field "annotations" for a Component of type service by the policy; add it. (the cost plugin reads it)',
    );
    assert.match(
      problems[1].message,
      /"metadata.annotations.azure.com\/resource-group" is the string "payments", which does not have the expected format \(\^rg-\)/,
    );
    // A website is not a service: the schema does not apply to it.
    assert.deepEqual(
      entities.map(e => e.ref),
      ['group:default/team-a', 'component:default/site'],
    );
  });

  it('allows only the listed types', () => {
    const { problems } = check({
      'catalog-info.yaml': `${teamA}---\n${service('batch', { type: 'batch-job' })}`,
    });
    assert.deepEqual(brief(problems), [
      'catalog-info.yaml:16 error policy/type',
    ]);
    assert.equal(
      problems[0].message,
      'Type "batch-job" is not allowed for a Component by the policy; use one of service, website, library.',
    );
  });

  it('wants owners to be Groups, and existing ones where the live catalog is asked', () => {
    const files = {
      'a.yaml': service('a', { owner: 'user:jdoe' }),
      'b.yaml': service('b', { owner: 'team-gone' }),
      'c.yaml': service('c', { owner: 'team-live' }),
    };
    assert.deepEqual(brief(check(files).problems), [
      'a.yaml:10 error policy/owner',
      'a.yaml:10 warning ref/unresolved',
      'b.yaml:10 warning ref/unresolved',
      'c.yaml:10 warning ref/unresolved',
    ]);
    const live = check(files, {
      policy: ORG_POLICY,
      knownEntityRefs: new Set([
        'group:default/team-live',
        'user:default/jdoe',
      ]),
    });
    assert.deepEqual(brief(live.problems), [
      'a.yaml:10 error policy/owner',
      'b.yaml:10 error policy/owner',
    ]);
    assert.equal(
      live.problems[1].message,
      'spec.owner refers to group:default/team-gone, which is defined neither in these files nor in the catalog, and the policy wants every owner to be an existing Group; check the name or create the group.',
    );
    assert.match(live.problems[0].message, /"user:jdoe" is not a Group/);
  });

  it('checks custom kinds against their schema instead of calling them unknown', () => {
    const costCenter = (code: string) =>
      `apiVersion: acme.com/v1\nkind: CostCenter\nmetadata:\n  name: cc-1\nspec:\n  code: ${code}\n`;
    const ok = check({ 'cc.yaml': costCenter('CC-42') });
    assert.deepEqual(ok.problems, []);
    assert.deepEqual(
      ok.entities.map(e => e.ref),
      ['costcenter:default/cc-1'],
    );
    assert.deepEqual(brief(check({ 'cc.yaml': costCenter('42') }).problems), [
      'cc.yaml:6 error policy/kind-schema',
    ]);
    // Without the policy, the catalog's verdict: no processor knows the kind.
    assert.deepEqual(
      brief(check({ 'cc.yaml': costCenter('CC-42') }, {}).problems),
      ['cc.yaml:2 error catalog/unknown-kind'],
    );
  });

  it('checks placeholders after substitution where the file is readable, and never reports unreadable ones', () => {
    const withPlaceholders = `${teamA}---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: p\n  annotations:\n    azure.com/resource-group:\n      $text: ./rg.txt\nspec:\n  type:\n    $text: ./type.txt\n  lifecycle: production\n  owner: team-a\n`;
    const files = { 'svc/catalog-info.yaml': withPlaceholders };
    const disk: Record<string, string> = {
      'svc/rg.txt': 'payments',
      'svc/type.txt': 'service',
    };
    const readable = check(files, {
      policy: ORG_POLICY,
      readFile: p => disk[p],
    });
    assert.deepEqual(brief(readable.problems), [
      'svc/catalog-info.yaml:15 error policy/schema',
    ]);
    assert.match(readable.problems[0].message, /the string "payments"/);

    disk['svc/type.txt'] = 'batch-job';
    assert.deepEqual(
      brief(
        check(files, { policy: ORG_POLICY, readFile: p => disk[p] }).problems,
      ),
      ['svc/catalog-info.yaml:18 error policy/type'],
    );

    // Unreadable (no reader, or a URL): nothing is said about the values.
    assert.deepEqual(check(files).problems, []);
  });

  it('reads the same policy from .stagedoor.yaml and from config data, and names bad keys', () => {
    const file = parsePolicyFile(
      [
        'validate:',
        '  ownerMustBeGroup: true',
        '  allowedTypes:',
        '    Component: [service]',
        '  schemas:',
        '    - kind: Component',
        '      schema: { required: [spec] }',
        '  customKinds:',
        '    - kind: CostCenter',
      ].join('\n'),
    );
    assert.deepEqual(
      file.policy,
      parsePolicy(
        {
          ownerMustBeGroup: true,
          allowedTypes: { Component: ['service'] },
          schemas: [{ kind: 'Component', schema: { required: ['spec'] } }],
          customKinds: [{ kind: 'CostCenter' }],
        },
        'stagedoor.policy',
      ),
    );
    assert.throws(
      () =>
        parsePolicy(
          { schemas: [{ schema: { type: 'nope' } }] },
          'stagedoor.policy',
        ),
      /stagedoor.policy: schemas\[0\].schema is not a valid JSON Schema/,
    );
    assert.throws(
      () => parsePolicy({ allowedType: {} }, 'stagedoor.policy'),
      /stagedoor.policy: the policy: Unrecognized key\(s\) in object: 'allowedType'/,
    );
  });
});
