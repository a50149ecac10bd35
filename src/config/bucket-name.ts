/**
 * The one rule for an S3 bucket name, in the configuration (`logs.bucket`, `objects[].source`, `--source`)
 * and in every `s3://` URI the runner parses: Amazon S3's general purpose bucket naming rules
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3–63 characters of
 * lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no two adjacent
 * dots, not an IP address, none of the reserved prefixes `xn--`, `sthree-`, `amzn-s3-demo-` and none of the
 * suffixes `.mrap`, `--x-s3`, `--table-s3`. The suffixes `-s3alias` and `--ol-s3` pass: the page reserves them
 * for access point aliases, which S3 takes wherever a bucket name goes. Legacy us-east-1 names with capitals or
 * `_` are refused, as S3 refuses them for every bucket created since March 2018.
 */
export function isS3BucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d{1,3}(?:\.\d{1,3}){3}$/.test(name) &&
    !RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)) &&
    !RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix))
  );
}

const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['.mrap', '--x-s3', '--table-s3'];
