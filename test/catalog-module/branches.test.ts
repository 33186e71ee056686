import { strict as assert } from 'node:assert';
import {
  component,
  entityWhen,
  pushBody,
  type PushBackend,
  startPushBackend,
} from './harness';

/**
 * A push from another branch than the source's is answered 400 naming the branch to push
 * from (not a 409 that reads like an ownership conflict), unless preview branches are on.
 */
describe('the Stagedoor push module: branches', function () {
  this.timeout(120_000);
  let backend: PushBackend;

  before(async () => {
    backend = await startPushBackend({
      push: {
        rules: [
          {
            principals: ['pipeline'],
            sources: ['contoso/shop/pinned'],
            branch: 'main',
          },
          {
            principals: ['pipeline'],
            sources: ['contoso/shop/preview'],
            previewBranches: true,
          },
          { principals: ['pipeline'], sources: ['**'] },
        ],
      },
    });
  });
  after(async () => {
    await backend?.stop();
  });

  it("answers 400 naming the source's branch when the same repository pushes from another", async () => {
    const files = { 'catalog-info.yaml': component('branchy') };
    const first = await backend.push(pushBody('branchy', files));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    // Once the catalog holds it, its own ownership check would also object: the branch wins.
    await entityWhen(backend, 'branchy', e => !!e);

    for (const dryRun of [false, true]) {
      const res = await backend.push(
        pushBody('branchy', files, { branch: 'refs/heads/feature/logo' }),
        { dryRun },
      );
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.name, 'InputError');
      assert.match(
        res.body.error.message,
        /This push is from branch feature\/logo, but the catalog entities of contoso\/shop\/branchy come from branch main; push from main, or set stagedoor.push.rules\[\].previewBranches: true/,
      );
      assert.doesNotMatch(res.body.error.message, /owned/i);
    }
  });

  it('answers 400 naming the configured branch before anything else', async () => {
    const res = await backend.push(
      pushBody(
        'pinned',
        { 'catalog-info.yaml': component('pinned') },
        { branch: 'refs/heads/develop' },
      ),
    );
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(
      res.body.error.message,
      /from branch develop, but the push rule for contoso\/shop\/pinned accepts branch main only \(stagedoor.push.rules\[\].branch\)/,
    );
    const fromMain = await backend.push(
      pushBody('pinned', { 'catalog-info.yaml': component('pinned') }),
    );
    assert.equal(fromMain.status, 200, JSON.stringify(fromMain.body));
  });

  it('accepts pushes from other branches when preview branches are on', async () => {
    const main = await backend.push(
      pushBody('preview', { 'catalog-info.yaml': component('preview') }),
    );
    assert.equal(main.status, 200, JSON.stringify(main.body));
    const preview = await backend.push(
      pushBody(
        'preview',
        { 'catalog-info.yaml': component('preview-pr-7') },
        { branch: 'refs/heads/feature/pr-7' },
      ),
    );
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(preview.body.added, ['component:default/preview-pr-7']);
    // The same entities from both branches still collide: that is an ownership conflict.
    const same = await backend.push(
      pushBody(
        'preview',
        { 'catalog-info.yaml': component('preview') },
        { branch: 'refs/heads/feature/pr-8' },
      ),
    );
    assert.equal(same.status, 409, JSON.stringify(same.body));
  });
});
