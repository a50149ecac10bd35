import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isS3BucketName, parseConfig, s3UriProblem } from '../../src/config';
import { isS3Uri } from '../../src/s3';

/** Whether the configuration takes `name` as its log bucket (minimal.yaml otherwise). */
function configTakesLogBucket(name: string): boolean {
  const doc = parseYaml(readFileSync(join(__dirname, '..', 'fixtures', 'config', 'minimal.yaml'), 'utf8'));
  doc.logs.bucket = name;
  try {
    parseConfig(doc, 'minimal.yaml', { env: {} });
    return true;
  } catch {
    return false;
  }
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose buckets)
describe('isS3BucketName', () => {
  test.each(['abc', 'my-log-bucket', 'my.bucket-1', '0source9', 'a'.repeat(63), 'ap-1234567890-s3alias', 'x--ol-s3'])(
    'accepts %s',
    (name) => {
      expect(isS3BucketName(name)).toBe(true);
    },
  );

  test.each([
    ['ab', 'shorter than 3'],
    ['a'.repeat(64), 'longer than 63'],
    ['Src_Bucket', 'capitals and underscore (legacy us-east-1 names)'],
    ['src_bucket', 'underscore'],
    ['-source', 'starts with a hyphen'],
    ['source.', 'ends with a dot'],
    ['my..bucket', 'two adjacent dots'],
    ['192.168.5.4', 'an IP address'],
    ['xn--bucket', 'prefix xn--'],
    ['sthree-bucket', 'prefix sthree-'],
    ['amzn-s3-demo-bucket', 'prefix amzn-s3-demo-'],
    ['bucket.mrap', 'suffix .mrap'],
    ['bucket--x-s3', 'suffix --x-s3'],
    ['bucket--table-s3', 'suffix --table-s3'],
  ])('refuses %s (%s)', (name) => {
    expect(isS3BucketName(name)).toBe(false);
  });

  test.each(['src_bucket', 'my..bucket', '192.168.5.4', 'my-log-bucket', 'a.b'])(
    'the log bucket, a source URI and the S3 URI parser agree on %s',
    (name) => {
      const expected = isS3BucketName(name);
      expect(configTakesLogBucket(name)).toBe(expected);
      expect(s3UriProblem(`s3://${name}/a.csv`) === undefined).toBe(expected);
      expect(isS3Uri(`s3://${name}/a.csv`)).toBe(expected);
    },
  );
});
