import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** The environment of a machine without AWS credentials: no keys, no profile, no config files. */
function withoutAwsCredentials(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  }
  const empty = mkdtempSync(path.join(tmpdir(), 'sfetl-no-aws-'));
  return {
    ...env,
    AWS_CONFIG_FILE: path.join(empty, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(empty, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

describe('cdk synth (the real CLI, the real runner bundle)', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'sfetl-cdk-out-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('synthesizes all five stacks with no AWS credentials, cdk-nag included', () => {
    // A no-op when dist/runner-bundle.zip is up to date; on a fresh clone it builds it (docs/glue.md).
    execFileSync('npx', ['projen', 'bundle:runner'], { cwd: ROOT, stdio: 'pipe', timeout: 600_000 });
    execFileSync('npx', ['cdk', 'synth', '--quiet', '-o', out], {
      cwd: ROOT,
      env: withoutAwsCredentials(),
      stdio: 'pipe',
      timeout: 300_000,
    });
    for (const stack of ['sfetl-shared', 'sfetl-dev', 'sfetl-qa', 'sfetl-uat', 'sfetl-prod']) {
      expect(existsSync(path.join(out, `${stack}.template.json`))).toBe(true);
    }
    const sha256 = readFileSync(path.join(ROOT, 'dist', 'runner-bundle.zip.sha256'), 'utf8').split(/\s+/)[0];
    const prod = JSON.parse(readFileSync(path.join(out, 'sfetl-prod.template.json'), 'utf8'));
    const job = Object.values(prod.Resources as Record<string, { Type: string; Properties: any }>).find(
      (resource) => resource.Type === 'AWS::Glue::Job',
    );
    expect(job?.Properties.DefaultArguments['--bundle-sha256']).toBe(sha256);
    const bundleAsset = path.join(
      out,
      `asset.${JSON.stringify(job?.Properties.DefaultArguments['--bundle-s3-uri']).match(/([0-9a-f]{64})\.zip/)?.[1]}.zip`,
    );
    expect(readFileSync(bundleAsset).equals(readFileSync(path.join(ROOT, 'dist', 'runner-bundle.zip')))).toBe(true);
  });
});
