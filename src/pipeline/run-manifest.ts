import { S3Client } from '@aws-sdk/client-s3';
import { formatS3Uri, getJsonObject, putJsonObjectIfAbsent } from '../s3';
import { LoadEventSink } from './load-events';

export interface WriteRunManifestProps {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The manifest's key, `<statePrefix>runs/<run_id>/<env>/<Object>.json`. */
  readonly key: string;
  readonly manifest: Readonly<Record<string, unknown>>;
  /** The object it is about, for the warning event. */
  readonly object: string;
  readonly emit: LoadEventSink;
}

/**
 * Writes a run's manifest without ever replacing an earlier one. A run id comes back legitimately (Glue
 * resumes a workflow run with its run id; `--run-id` given again), and the earlier manifest is the record
 * of what that run did. So the write is conditional (`If-None-Match: *`); when the key is taken, the next
 * free `<Object>.2.json`, `<Object>.3.json`, … gets it, and a warning names the manifest written before.
 * An object already there with this very content is this write itself, answered 412 on a retry after it
 * took effect: it is kept as the manifest, without a warning.
 *
 * @returns the s3:// URI of the manifest written
 */
export async function writeRunManifest(props: WriteRunManifestProps): Promise<string> {
  const { s3, bucket, key, manifest } = props;
  const body = JSON.stringify(manifest);
  for (let n = 1; ; n++) {
    const attempt = n === 1 ? key : key.replace(/\.json$/, `.${n}.json`);
    if (await putJsonObjectIfAbsent(s3, bucket, attempt, manifest)) {
      if (n > 1) {
        const earlier = n === 2 ? key : key.replace(/\.json$/, `.${n - 1}.json`);
        props.emit({
          type: 'warning',
          object: props.object,
          message: `this run id was used before: its manifest ${formatS3Uri(bucket, earlier)} is kept, this run's is ${formatS3Uri(bucket, attempt)}`,
        });
      }
      return formatS3Uri(bucket, attempt);
    }
    if (JSON.stringify(await getJsonObject(s3, bucket, attempt)) === body) return formatS3Uri(bucket, attempt);
  }
}
