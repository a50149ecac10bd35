import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchBucket,
  paginateListObjectsV2,
  S3Client,
  _Object as S3Object,
} from '@aws-sdk/client-s3';
import { s3HttpStatus } from './http-status';
import { NoSourceFilesError, S3AccessDeniedError, SourceChangedError } from './s3-errors';
import { formatS3Uri, parseS3Uri } from './s3-uri';

/** One source CSV as it was when listed; the ETag pins that version for the whole run. */
export interface SourceFile {
  readonly bucket: string;
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** The ETag, quotes included, exactly as S3 returned it. */
  readonly etag: string;
}

export interface ListSourceFilesOptions {
  /**
   * Keys asked for per ListObjectsV2 page (S3 answers at most 1,000). Only tests lower it.
   * @default 1000
   */
  readonly pageSize?: number;
  /** Called with each object under the folder that is not loaded because its name does not end in `.csv`. */
  readonly onNotCsv?: (uri: string) => void;
}

export interface OpenSourceStreamOptions {
  /**
   * First byte to read (a ranged GET), to resume a read that broke off; the ETag check still applies.
   * @default 0
   */
  readonly start?: number;
  /** Aborts the request and the stream. */
  readonly abortSignal?: AbortSignal;
}

function isCsvKey(key: string): boolean {
  // A key ending in "/" is a console-made "folder" placeholder, never data, whatever it is called.
  return !key.endsWith('/') && key.toLowerCase().endsWith('.csv');
}

/** The object named by `bucket`/`key`, or undefined when there is none. */
async function headSourceFile(s3: S3Client, bucket: string, key: string): Promise<SourceFile | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { bucket, key, size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
  } catch (error) {
    // 404: no such key, or no such bucket (a HEAD has no body to tell which); the listing tells them apart.
    if (s3HttpStatus(error) === 404) return undefined;
    if (s3HttpStatus(error) === 403) throw new S3AccessDeniedError(formatS3Uri(bucket, key), 's3:GetObject');
    throw error;
  }
}

/**
 * The source files a URI names. An existing object is that one file, whatever its name. Otherwise the
 * URI is a folder: every key under `<key>/` (at any depth) that ends in `.csv`, any case, in S3's key
 * order (UTF-8 binary), which is the order the files are loaded in. The folder reading matters: a raw
 * prefix `in/Contact` would also pick up `in/Contact_old.csv` or `in/Contacts/…`, files nobody meant.
 */
export async function listSourceFiles(
  s3: S3Client,
  uri: string,
  options: ListSourceFilesOptions = {},
): Promise<SourceFile[]> {
  const { bucket, key } = parseS3Uri(uri);
  if (key !== '' && !key.endsWith('/')) {
    const single = await headSourceFile(s3, bucket, key);
    if (single) return [single];
  }
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;

  const files: SourceFile[] = [];
  try {
    const pages = paginateListObjectsV2(
      { client: s3, pageSize: options.pageSize ?? 1000 },
      { Bucket: bucket, Prefix: prefix },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.Key.endsWith('/')) continue;
        if (isCsvKey(object.Key)) files.push(toSourceFile(bucket, object));
        else options.onNotCsv?.(formatS3Uri(bucket, object.Key));
      }
    }
  } catch (error) {
    if (error instanceof NoSuchBucket) throw new NoSourceFilesError(uri, 'bucket-not-found');
    if (s3HttpStatus(error) === 403) throw new S3AccessDeniedError(formatS3Uri(bucket, prefix), 's3:ListBucket');
    throw error;
  }
  if (files.length === 0) throw new NoSourceFilesError(uri);
  return files;
}

function toSourceFile(bucket: string, object: S3Object): SourceFile {
  return { bucket, key: object.Key!, size: object.Size ?? 0, etag: object.ETag ?? '' };
}

/**
 * Streams a listed source file from S3. The GET carries `If-Match: <etag>`, so a file replaced or
 * deleted since it was listed fails with {@link SourceChangedError} instead of feeding a second version
 * into the same run. The body is S3's response stream itself: nothing is buffered beyond Node's
 * stream high-water mark, and a consumer that stops reading stops the download.
 */
export async function openSourceStream(
  s3: S3Client,
  file: SourceFile,
  options: OpenSourceStreamOptions = {},
): Promise<Readable> {
  const uri = formatS3Uri(file.bucket, file.key);
  const start = options.start ?? 0;
  try {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: file.bucket,
        Key: file.key,
        IfMatch: file.etag,
        ...(start > 0 ? { Range: `bytes=${start}-` } : {}),
      }),
      { abortSignal: options.abortSignal },
    );
    if (!(out.Body instanceof Readable)) {
      throw new TypeError(`GetObject on ${uri} returned no Node stream; run this on Node, not in a browser.`);
    }
    return out.Body;
  } catch (error) {
    const status = s3HttpStatus(error);
    if (status === 412) throw new SourceChangedError(uri, file.etag, 'replaced');
    if (status === 404) throw new SourceChangedError(uri, file.etag, 'deleted');
    if (status === 403) throw new S3AccessDeniedError(uri, 's3:GetObject');
    throw error;
  }
}
