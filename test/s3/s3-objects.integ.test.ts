import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createAwsClients } from '../../src/aws';
import {
  getJsonObject,
  InvalidJsonObjectError,
  putJsonObject,
  readTextObject,
  S3ObjectNotFoundError,
  uploadFile,
  UPLOAD_PART_SIZE,
} from '../../src/s3';
import { useLocalParts } from '../support/local-parts';

const parts = useLocalParts({ emulator: false });
const BUCKET = 'logs';
let s3: S3Client;
let workDir: string;

/** Counts the requests of one S3 operation that reach the wire. */
function countCalls(client: S3Client, commandName: string): { calls: number } {
  const counter = { calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName) counter.calls++;
      return next(args);
    },
    { step: 'initialize', name: `count-${commandName}-${Math.random()}` },
  );
  return counter;
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

beforeAll(async () => {
  const { endpoint, region } = parts().aws;
  s3 = createAwsClients({ region, endpoint, env: {} }).s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  workDir = mkdtempSync(join(tmpdir(), 'sfetl-s3-objects-'));
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('uploadFile', () => {
  test('a 20 MB file goes up as a multipart upload of 8 MiB parts and reads back identical', async () => {
    const path = join(workDir, 'part-00000.parquet');
    writeFileSync(path, randomBytes(20 * 1024 * 1024));
    const parts3 = countCalls(s3, 'UploadPartCommand');

    const written = await uploadFile(
      s3,
      path,
      BUCKET,
      'success/Contact/part-00000.parquet',
      'application/vnd.apache.parquet',
    );

    // 20 MiB in 8 MiB parts: 8 + 8 + 4. A multipart object's ETag ends in -<number of parts>.
    expect(Math.ceil((20 * 1024 * 1024) / UPLOAD_PART_SIZE)).toBe(3);
    expect(parts3.calls).toBe(3);
    expect(written.etag).toMatch(/-3"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: written.key }));
    expect(head.ContentLength).toBe(20 * 1024 * 1024);
    expect(head.ContentType).toBe('application/vnd.apache.parquet');
    expect(head.ETag).toBe(written.etag);
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: written.key }));
    expect(await sha256Of(object.Body as Readable)).toBe(await sha256Of(createReadStream(path)));
    // Nothing left half-done.
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(open.Uploads ?? []).toEqual([]);
  });

  test('a small file goes up in one PUT', async () => {
    const path = join(workDir, 'small.csv');
    writeFileSync(path, 'LastName\nDoe\n');
    const written = await uploadFile(s3, path, BUCKET, 'small/small.csv', 'text/csv');
    expect(written.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await readTextObject(s3, BUCKET, 'small/small.csv')).toBe('LastName\nDoe\n');
  });

  test('a missing local file fails and leaves no object', async () => {
    await expect(uploadFile(s3, join(workDir, 'nope.parquet'), BUCKET, 'nope.parquet', 'x')).rejects.toThrow(/ENOENT/);
    expect(await getJsonObject(s3, BUCKET, 'nope.parquet')).toBeUndefined();
  });
});

describe('JSON and text objects', () => {
  test('putJsonObject then getJsonObject gives the value back', async () => {
    const manifest = { runId: 'jr_1', files: [{ key: 'in/a.csv', etag: '"abc"' }], counts: { success: 3, failure: 0 } };
    const written = await putJsonObject(s3, BUCKET, '_sfetl/runs/jr_1/manifest.json', manifest);
    expect(written.etag).toMatch(/^"[0-9a-f]{32}"$/);

    expect(await getJsonObject<typeof manifest>(s3, BUCKET, '_sfetl/runs/jr_1/manifest.json')).toEqual(manifest);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: '_sfetl/runs/jr_1/manifest.json' }));
    expect(head.ContentType).toBe('application/json');
  });

  test('getJsonObject is undefined for a key, or a bucket, that does not exist', async () => {
    expect(await getJsonObject(s3, BUCKET, '_sfetl/runs/never/state.json')).toBeUndefined();
    expect(await getJsonObject(s3, 'no-such-bucket-here', 'state.json')).toBeUndefined();
  });

  test('getJsonObject on a damaged object names it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: '_sfetl/bad.json', Body: '{"runId": "jr_' }));
    const error = await getJsonObject(s3, BUCKET, '_sfetl/bad.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidJsonObjectError);
    expect((error as Error).message).toContain(`s3://${BUCKET}/_sfetl/bad.json is not valid JSON`);
  });

  test('readTextObject reads UTF-8 text; a missing object is S3ObjectNotFoundError', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'config/sfetl.yaml', Body: 'logs:\n  bucket: ünïcode\n' }),
    );
    expect(await readTextObject(s3, BUCKET, 'config/sfetl.yaml')).toBe('logs:\n  bucket: ünïcode\n');

    const error = await readTextObject(s3, BUCKET, 'config/missing.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3ObjectNotFoundError);
    expect((error as Error).message).toBe(
      `s3://${BUCKET}/config/missing.yaml does not exist; check the bucket and key (and the region).`,
    );
  });
});
