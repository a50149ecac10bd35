import { createReadStream } from 'node:fs';
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { s3HttpStatus } from './http-status';
import { InvalidJsonObjectError, S3AccessDeniedError, S3ObjectNotFoundError } from './s3-errors';
import { formatS3Uri } from './s3-uri';

/** Multipart part size: S3's minimum is 5 MiB; 8 MiB keeps ≤ 4 × 8 MiB in flight and allows 80 GB objects. */
export const UPLOAD_PART_SIZE = 8 * 1024 * 1024;
/** Parts uploaded in parallel. */
export const UPLOAD_QUEUE_SIZE = 4;

/** What was written. */
export interface WrittenObject {
  readonly bucket: string;
  readonly key: string;
  /** The new object's ETag (quotes included); a multipart object's ends in `-<parts>"`. */
  readonly etag?: string;
}

function translate(error: unknown, uri: string, action: string): unknown {
  if (s3HttpStatus(error) === 403) return new S3AccessDeniedError(uri, action);
  return error;
}

/**
 * Uploads a local file, streaming it from disk: a multipart upload of 8 MiB parts, 4 at a time (a file
 * under one part goes up in a single PUT). A failed upload aborts its multipart upload, so no orphaned
 * parts are left to be billed.
 */
export async function uploadFile(
  s3: S3Client,
  localPath: string,
  bucket: string,
  key: string,
  contentType: string,
): Promise<WrittenObject> {
  const body = createReadStream(localPath);
  try {
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
      partSize: UPLOAD_PART_SIZE,
      queueSize: UPLOAD_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const out = await upload.done();
    return { bucket, key, etag: out.ETag };
  } catch (error) {
    throw translate(error, formatS3Uri(bucket, key), 's3:PutObject');
  } finally {
    body.destroy();
  }
}

/** Writes `value` as a JSON object (run state, manifests). */
export async function putJsonObject(s3: S3Client, bucket: string, key: string, value: unknown): Promise<WrittenObject> {
  try {
    return await sendJson(s3, bucket, key, value);
  } catch (error) {
    throw translate(error, formatS3Uri(bucket, key), 's3:PutObject');
  }
}

/**
 * Writes `value` as a JSON object only if the key is free (PutObject with `If-None-Match: *`); undefined when
 * an object is already there (S3 answers 412, or 409 when a conditional write to the key raced this one).
 */
export async function putJsonObjectIfAbsent(
  s3: S3Client,
  bucket: string,
  key: string,
  value: unknown,
): Promise<WrittenObject | undefined> {
  try {
    return await sendJson(s3, bucket, key, value, '*');
  } catch (error) {
    const status = s3HttpStatus(error);
    if (status === 412 || status === 409) return undefined;
    throw translate(error, formatS3Uri(bucket, key), 's3:PutObject');
  }
}

async function sendJson(
  s3: S3Client,
  bucket: string,
  key: string,
  value: unknown,
  ifNoneMatch?: string,
): Promise<WrittenObject> {
  const out = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value),
      ContentType: 'application/json',
      ...(ifNoneMatch === undefined ? {} : { IfNoneMatch: ifNoneMatch }),
    }),
  );
  return { bucket, key, etag: out.ETag };
}

/** The object's body as text, or undefined when there is no such key. */
async function readOptionalText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString('utf8');
  } catch (error) {
    // NoSuchKey and NoSuchBucket are both 404; for a state object both mean "never written".
    if (s3HttpStatus(error) === 404) return undefined;
    throw translate(error, formatS3Uri(bucket, key), 's3:GetObject');
  }
}

/** Reads a JSON object written by {@link putJsonObject}; undefined when the key does not exist. */
export async function getJsonObject<T>(s3: S3Client, bucket: string, key: string): Promise<T | undefined> {
  const text = await readOptionalText(s3, bucket, key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new InvalidJsonObjectError(formatS3Uri(bucket, key));
  }
}

/** Reads a small text object whole (a configuration file); a missing one is an {@link S3ObjectNotFoundError}. */
export async function readTextObject(s3: S3Client, bucket: string, key: string): Promise<string> {
  const text = await readOptionalText(s3, bucket, key);
  if (text === undefined) throw new S3ObjectNotFoundError(formatS3Uri(bucket, key));
  return text;
}

/** Every key under `prefix`, in S3's key order. */
export async function listObjectKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
  } catch (error) {
    throw translate(error, formatS3Uri(bucket, prefix), 's3:ListBucket');
  }
  return keys;
}
