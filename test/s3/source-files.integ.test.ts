import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createAwsClients } from '../../src/aws';
import {
  listSourceFiles,
  NoSourceFilesError,
  openSourceStream,
  SourceChangedError,
  SourceFile,
  uploadFile,
} from '../../src/s3';
import { useLocalParts } from '../support/local-parts';

const parts = useLocalParts({ emulator: false });
let s3: S3Client;
let bucketSeq = 0;

/** A fresh bucket per test, so no test sees another's keys. */
async function bucketWith(keys: Record<string, string>): Promise<string> {
  const bucket = `source-${++bucketSeq}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [key, body] of Object.entries(keys)) {
    // An explicit length: the SDK warns about "a stream of unknown length" for an empty string body.
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }),
    );
  }
  return bucket;
}

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

async function sha256(stream: Readable): Promise<{ digest: string; chunks: number; bytes: number }> {
  const hash = createHash('sha256');
  let chunks = 0;
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    chunks++;
    bytes += (chunk as Buffer).length;
  }
  return { digest: hash.digest('hex'), chunks, bytes };
}

beforeAll(() => {
  const { endpoint, region } = parts().aws;
  // No credentials in this environment: the factory pins the emulator's, as on a laptop without AWS.
  s3 = createAwsClients({ region, endpoint, env: {} }).s3;
});

describe('listSourceFiles', () => {
  test('a URI naming an object is that one file, with its size and ETag', async () => {
    const bucket = await bucketWith({ 'in/Contact.csv': 'LastName\nDoe\n', 'in/Contact.csv.bak': 'x' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'in/Contact.csv' }));

    expect(await listSourceFiles(s3, `s3://${bucket}/in/Contact.csv`)).toEqual([
      { bucket, key: 'in/Contact.csv', size: 13, etag: head.ETag },
    ]);
  });

  test('an object named explicitly is taken whatever its extension', async () => {
    const bucket = await bucketWith({ 'in/contacts.txt': 'LastName\nDoe\n' });
    const files = await listSourceFiles(s3, `s3://${bucket}/in/contacts.txt`);
    expect(files.map((f) => f.key)).toEqual(['in/contacts.txt']);
  });

  test('a folder gives every .csv under it, at any depth, any case, skipping other files and placeholders', async () => {
    const bucket = await bucketWith({
      'in/contacts/': '',
      'in/contacts/a.csv': 'LastName\nA\n',
      'in/contacts/b.CSV': 'LastName\nB\n',
      'in/contacts/readme.txt': 'not data',
      'in/contacts/a.csv.gz': 'not data either',
      'in/contacts/nested/': '',
      'in/contacts/nested/c.csv': 'LastName\nC\n',
      'in/contacts/odd.csv/': '',
      'in/contacts_old.csv': 'a sibling, not inside the folder',
      'in/contactsX/d.csv': 'a sibling folder',
    });
    const expected = ['in/contacts/a.csv', 'in/contacts/b.CSV', 'in/contacts/nested/c.csv'];

    for (const uri of [`s3://${bucket}/in/contacts`, `s3://${bucket}/in/contacts/`]) {
      const files = await listSourceFiles(s3, uri);
      expect(files.map((f) => f.key)).toEqual(expected);
      expect(files.every((f) => f.bucket === bucket && f.size > 0 && /^"[0-9a-f]{32}"$/.test(f.etag))).toBe(true);
    }
  });

  test('the whole bucket when the URI has no key', async () => {
    const bucket = await bucketWith({ 'a.csv': 'x\n1\n', 'b/c.csv': 'x\n2\n', 'b/d.json': '{}' });
    expect((await listSourceFiles(s3, `s3://${bucket}`)).map((f) => f.key)).toEqual(['a.csv', 'b/c.csv']);
  });

  test('keys come in S3 key order (UTF-8 binary) across pages', async () => {
    const names = [
      'Zeta.csv',
      'alpha.csv',
      'Beta.csv',
      '10.csv',
      '9.csv',
      'b/0.csv',
      'b-1.csv',
      'é.csv',
      'ﬀ.csv',
      '😀.csv',
    ];
    const noise = Object.fromEntries(names.map((_name, i) => [`in/skip-${i}.txt`, 'x']));
    const bucket = await bucketWith({ ...Object.fromEntries(names.map((name) => [`in/${name}`, 'x\n1\n'])), ...noise });
    const listCalls = countCalls(s3, 'ListObjectsV2Command');

    const files = await listSourceFiles(s3, `s3://${bucket}/in/`, { pageSize: 3 });

    const byteOrder = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(files.map((f) => f.key)).toEqual(byteOrder.map((name) => `in/${name}`));
    // Uppercase before lowercase, digits as characters, U+FB00 before the emoji: not locale order.
    expect(byteOrder.slice(0, 4)).toEqual(['10.csv', '9.csv', 'Beta.csv', 'Zeta.csv']);
    expect(byteOrder.slice(-2)).toEqual(['ﬀ.csv', '😀.csv']);
    // 20 keys, 3 a page: the listing was paged, not read in one answer.
    expect(listCalls.calls).toBe(7);
  });

  test('nothing found is a NoSourceFilesError naming the URI and what to check', async () => {
    const bucket = await bucketWith({ 'in/contacts/readme.txt': 'x', 'in/contacts.csv.bak': 'x' });
    const uri = `s3://${bucket}/in/contacts`;

    const error = await listSourceFiles(s3, uri).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSourceFilesError);
    expect((error as NoSourceFilesError).uri).toBe(uri);
    expect((error as Error).message).toContain(uri);
    expect((error as Error).message).toMatch(/no key under it ends with \.csv; check/);
  });

  test('a missing bucket says so', async () => {
    const error = await listSourceFiles(s3, 's3://no-such-bucket-here/in/a.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSourceFilesError);
    expect((error as NoSourceFilesError).reason).toBe('bucket-not-found');
    expect((error as Error).message).toMatch(/bucket does not exist/);
  });
});

describe('openSourceStream', () => {
  let workDir: string;
  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'sfetl-s3-'));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  test('streams a file over 20 MB in many chunks, byte for byte', async () => {
    const bucket = await bucketWith({});
    const path = join(workDir, 'big.csv');
    const content = randomBytes(21 * 1024 * 1024 + 17);
    writeFileSync(path, content);
    await uploadFile(s3, path, bucket, 'in/big.csv', 'text/csv');
    const [file] = await listSourceFiles(s3, `s3://${bucket}/in/big.csv`);
    expect(file.size).toBe(content.length);

    const body = await openSourceStream(s3, file);
    expect(body).toBeInstanceOf(Readable);
    const read = await sha256(body);

    expect(read.bytes).toBe(content.length);
    expect(read.digest).toBe(createHash('sha256').update(content).digest('hex'));
    // A stream, not one buffer handed over at the end.
    expect(read.chunks).toBeGreaterThan(10);
  });

  test('resumes from a byte offset of the same version', async () => {
    const bucket = await bucketWith({ 'in/a.csv': 'LastName\nDoe\nRoe\n' });
    const [file] = await listSourceFiles(s3, `s3://${bucket}/in/a.csv`);
    const body = await openSourceStream(s3, file, { start: 13 });
    expect(Buffer.concat(await body.toArray()).toString()).toBe('Roe\n');
  });

  test('a file overwritten after it was listed fails with SourceChangedError, not a mix of versions', async () => {
    const bucket = await bucketWith({ 'in/a.csv': 'LastName\nDoe\n' });
    const [file] = await listSourceFiles(s3, `s3://${bucket}/in/a.csv`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'in/a.csv', Body: 'LastName\nSomeone else\n' }));

    const error = await openSourceStream(s3, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceChangedError);
    expect(error).toMatchObject({ uri: `s3://${bucket}/in/a.csv`, expectedEtag: file.etag, change: 'replaced' });
    expect((error as Error).message).toMatch(/was replaced after this run listed it/);
  });

  test('a file deleted after it was listed fails with SourceChangedError', async () => {
    const bucket = await bucketWith({ 'in/a.csv': 'LastName\nDoe\n' });
    const [file] = await listSourceFiles(s3, `s3://${bucket}/in/`);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'in/a.csv' }));

    await expect(openSourceStream(s3, file)).rejects.toMatchObject({ change: 'deleted' });
  });

  test('an unchanged file opens with its listed ETag', async () => {
    const bucket = await bucketWith({ 'in/a.csv': 'LastName\nDoe\n' });
    const [file]: SourceFile[] = await listSourceFiles(s3, `s3://${bucket}/in/`);
    const body = await openSourceStream(s3, file);
    expect(Buffer.concat(await body.toArray()).toString()).toBe('LastName\nDoe\n');
  });
});
