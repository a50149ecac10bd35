import { InvalidS3UriError } from './s3-errors';

/** A bucket and a key (or key prefix) inside it. */
export interface S3Location {
  readonly bucket: string;
  /** Object key or key prefix; `''` for the whole bucket. Taken literally: S3 URIs are not percent-decoded. */
  readonly key: string;
}

/** Bucket names: 3–63 characters of lowercase letters, digits, dots and hyphens (legacy names may hold `_`). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

/** Splits `s3://bucket/some/key` into bucket and key, as the AWS CLI reads such a URI. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/s.exec(uri);
  if (!match || !BUCKET_NAME.test(match[1])) throw new InvalidS3UriError(uri);
  return { bucket: match[1], key: match[2] ?? '' };
}

/** The `s3://bucket/key` form of a location, for messages and manifests. */
export function formatS3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
