import { Template } from 'aws-cdk-lib/assertions';
import { testApp } from './infra-test-app';
import { SFETL_ENVIRONMENTS } from '../../src/infra/environments';

/**
 * Asset hashes change whenever a script or the bundle changes, on any machine; they are replaced so the
 * snapshot shows what the app deploys, not which bytes. The snapshot is never rewritten in CI (`--ci`): after
 * an intended change, review the diff and run `npx jest test/infra/app-snapshot.test.ts -u` locally.
 */
function stripAssetHashes(template: unknown): unknown {
  return JSON.parse(
    JSON.stringify(template)
      .replace(/[0-9a-f]{64}(\.(zip|py|json))/g, '<asset hash>$1')
      .replace(/"--bundle-sha256":"[0-9a-f]{64}"/g, '"--bundle-sha256":"<bundle sha256>"'),
  );
}

describe('the whole app', () => {
  const { stacks } = testApp({ objects: ['Account', 'Contact', 'Invoice__c'] });

  test('shared stack', () => {
    expect(stripAssetHashes(Template.fromStack(stacks.shared).toJSON())).toMatchSnapshot();
  });

  test.each(SFETL_ENVIRONMENTS)('%s stack', (env) => {
    expect(stripAssetHashes(Template.fromStack(stacks.environments[env]).toJSON())).toMatchSnapshot();
  });

  test('the snapshot holds no asset hash', () => {
    const all = JSON.stringify(
      [stacks.shared, ...Object.values(stacks.environments)].map((stack) =>
        stripAssetHashes(Template.fromStack(stack).toJSON()),
      ),
    );
    expect(all).not.toMatch(/[0-9a-f]{64}/);
  });
});
