import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURE_BUNDLE_DIR } from './infra-test-app';
import { readRunnerBundle, RunnerBundleMissingError } from '../../src/infra/runner-bundle-file';

describe('readRunnerBundle', () => {
  test('returns the zip and the sha256 from its .sha256 file', () => {
    expect(readRunnerBundle(FIXTURE_BUNDLE_DIR)).toEqual({
      zipPath: path.join(FIXTURE_BUNDLE_DIR, 'runner-bundle.zip'),
      sha256: 'd836bdffb80e5691f32e6875f446b1d94515d472551f0f8a4691dc5f54eb3894',
    });
  });

  test('a missing bundle says how to build it', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'sfetl-bundle-'));
    expect(() => readRunnerBundle(empty)).toThrow(RunnerBundleMissingError);
    expect(() => readRunnerBundle(empty)).toThrow(/not found\. .*npx projen bundle:runner/);
  });

  test('a checksum file that does not match the zip is refused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sfetl-bundle-'));
    copyFileSync(path.join(FIXTURE_BUNDLE_DIR, 'runner-bundle.zip'), path.join(dir, 'runner-bundle.zip'));
    writeFileSync(path.join(dir, 'runner-bundle.zip.sha256'), `${'0'.repeat(64)}  runner-bundle.zip\n`);
    expect(() => readRunnerBundle(dir)).toThrow(/its sha256 is d836bdff.*says 0000/);
  });
});
