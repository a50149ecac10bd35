import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RunnerBundle } from './load-job';

/** The repository's `dist/` directory, where `npx projen bundle:runner` writes the bundle. */
export const DEFAULT_BUNDLE_DIR = path.join(__dirname, '..', '..', 'dist');

/** The bundle is missing or its checksum file is unreadable. */
export class RunnerBundleMissingError extends Error {
  constructor(
    readonly zipPath: string,
    problem: string,
  ) {
    super(
      `runner bundle ${zipPath}: ${problem}. The load jobs deploy it as an asset: build it with ` +
        '`npx projen bundle:runner` (docs/glue.md), or pass -c sfetl:bundleDir=<dir with runner-bundle.zip>',
    );
    this.name = 'RunnerBundleMissingError';
  }
}

/** `runner-bundle.zip` and its sha256 (from `runner-bundle.zip.sha256`, the `sha256sum` format) in `dir`. */
export function readRunnerBundle(dir: string = DEFAULT_BUNDLE_DIR): RunnerBundle {
  const zipPath = path.resolve(dir, 'runner-bundle.zip');
  if (!existsSync(zipPath)) throw new RunnerBundleMissingError(zipPath, 'not found');
  const sumPath = `${zipPath}.sha256`;
  if (!existsSync(sumPath)) throw new RunnerBundleMissingError(zipPath, `${sumPath} not found`);
  const sha256 = readFileSync(sumPath, 'utf8').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new RunnerBundleMissingError(zipPath, `${sumPath} does not start with a sha256`);
  }
  // A stale checksum would deploy a bundle that every load job refuses to run.
  const actual = createHash('sha256').update(readFileSync(zipPath)).digest('hex');
  if (actual !== sha256) {
    throw new RunnerBundleMissingError(zipPath, `its sha256 is ${actual}, but ${sumPath} says ${sha256}`);
  }
  return { zipPath, sha256 };
}
