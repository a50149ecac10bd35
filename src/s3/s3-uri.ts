import { isS3BucketName } from '../config';
import { InvalidS3UriError } from './s3-errors';

/** A bucket and a key (or key prefix) inside it. */
export interface S3Location {
  readonly bucket: string;
  /** Object key or key prefix; `''` for the whole bucket. Taken literally: S3 URIs are not percent-decoded. */
  readonly key: string;
}

/**
 * Splits `s3://bucket/some/key` into bucket and key, as the AWS CLI reads such a URI. The bucket must follow
 * S3's naming rules (`isS3BucketName`, the rule the configuration checks too). With `schemes`, other schemes
 * that name the same thing pass too (Hadoop's `s3a://` in a partition location a Spark job registered).
 */
export function parseS3Uri(uri: string, schemes: readonly string[] = ['s3']): S3Location {
  const match = /^([a-z0-9]+):\/\/([^/]+)(?:\/(.*))?$/s.exec(uri);
  if (!match || !schemes.includes(match[1]) || !isS3BucketName(match[2])) throw new InvalidS3UriError(uri);
  return { bucket: match[2], key: match[3] ?? '' };
}

/** Whether `text` is an `s3://` URI `parseS3Uri` reads. */
export function isS3Uri(text: string): boolean {
  try {
    parseS3Uri(text);
    return true;
  } catch (error) {
    if (error instanceof InvalidS3UriError) return false;
    throw error;
  }
}

/** The `s3://bucket/key` form of a location, for messages, manifests and partition locations. */
export function formatS3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The key of an `s3://` URI that must lie in `bucket` (a location this run built from that bucket). */
export function keyInBucket(uri: string, bucket: string): string {
  const location = parseS3Uri(uri);
  if (location.bucket !== bucket) throw new InvalidS3UriError(uri);
  return location.key;
}

/** A key prefix as a "directory": no leading `/`, one trailing `/` unless it is the whole bucket (`''`). */
export function asKeyPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}
