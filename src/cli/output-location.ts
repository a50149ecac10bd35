import { copyFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { formatS3Uri, parseS3Uri, uploadFile } from '../s3';
import { CliError } from './exit-codes';
import { messages } from './messages';

/**
 * Puts a finished local file where `--out` says: an `s3://bucket/key` (streamed up, multipart when large) or a
 * local path (copied). Returns the location as a person reads it (an absolute path, or the s3:// URI).
 */
export async function deliverFile(
  localFile: string,
  out: string,
  contentType: string,
  s3: () => S3Client,
): Promise<string> {
  if (out.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(out);
    if (key === '' || key.endsWith('/')) {
      throw new CliError(messages.cannotWrite(out, 'name an object key, not a prefix'));
    }
    try {
      await uploadFile(s3(), localFile, bucket, key, contentType);
    } catch (e) {
      throw new CliError(messages.cannotWrite(out, (e as Error).message));
    }
    return formatS3Uri(bucket, key);
  }
  const path = resolve(out);
  try {
    await copyFile(localFile, path);
  } catch (e) {
    throw new CliError(messages.cannotWrite(path, (e as Error).message));
  }
  return path;
}
