import { join } from 'node:path';
import { sfetlInProcess } from '../support/stack';

/**
 * Issue 15 item 9: `--source` replaces an object's configured source, so it gets the very checks
 * `objects[].source` gets (parse-config's s3UriProblem): `s3://bucket` would load the whole bucket, and S3
 * expands no `*`. Refused before anything is read or sent: the configuration's AWS endpoint is never asked.
 */
const CONFIG = join(__dirname, '..', 'fixtures', 'config', 'minimal.yaml');

async function loadWithSource(source: string) {
  const result = await sfetlInProcess([
    'load',
    '--config',
    CONFIG,
    '--env',
    'dev',
    '--object',
    'Account',
    '--source',
    source,
  ]);
  return { code: result.code, err: result.err };
}

test.each([
  [
    'a bucket without a key or prefix',
    's3://src-bucket',
    '--source "s3://src-bucket" names no prefix or key; add "/" to load every .csv in the bucket (s3://src-bucket/) or name a key',
  ],
  [
    'a wildcard',
    's3://src-bucket/accounts/*.csv',
    '--source "s3://src-bucket/accounts/*.csv" contains a wildcard, which S3 does not expand; give the prefix, ending with "/", and every .csv under it loads',
  ],
  [
    'not an S3 URI',
    'src-bucket/accounts/',
    '--source "src-bucket/accounts/" is not an S3 URI; use s3://<bucket>/<prefix>/ (every .csv under it) or s3://<bucket>/<key>.csv',
  ],
  [
    'a bucket name S3 refuses',
    's3://Src_Bucket/accounts/',
    '--source "Src_Bucket" is not a valid S3 bucket name; use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit (the S3 bucket naming rules)',
  ],
])('--source with %s: exit 1, the message of objects[].source naming --source', async (_, source, message) => {
  const result = await loadWithSource(source);
  expect(result.code).toBe(1);
  expect(result.err).toBe(`sfetl load: ${message}\n`);
});
