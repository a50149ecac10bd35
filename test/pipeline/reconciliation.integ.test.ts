import { readFileSync, writeFileSync } from 'node:fs';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ParquetLogWriter } from '../../src/pipeline';
import { contactsWithBadRows } from '../support/contact-data';
import { loadWithWriter, orgGet, sfetlInProcess, TestStack } from '../support/stack';

jest.setTimeout(300_000);

let stack: TestStack;

beforeAll(async () => {
  stack = await TestStack.start();
});
afterAll(() => stack?.stop());

/** The real writer, except that it loses the last row of the rejected-rows log (and says so in its count). */
async function writerThatLosesARejectedRow(): Promise<ParquetLogWriter> {
  const writer = await ParquetLogWriter.create();
  const convert = writer.csvToParquet.bind(writer);
  writer.csvToParquet = async (options) => {
    if (!options.output.endsWith('-rejected.parquet')) return convert(options);
    const [header, ...rows] = parse(readFileSync(options.input, 'utf8')) as string[][];
    const shortened = `${options.input}.short.csv`;
    writeFileSync(shortened, stringify([header!, ...rows.slice(0, -1)]));
    return convert({ ...options, input: shortened });
  };
  return writer;
}

async function readManifest(runId: string, env: string, object: string): Promise<Record<string, any>> {
  const out = await stack.aws.s3.send(
    new GetObjectCommand({ Bucket: stack.description.buckets.logs, Key: `_sfetl/runs/${runId}/${env}/${object}.json` }),
  );
  return JSON.parse(await out.Body!.transformToString()) as Record<string, any>;
}

describe('reconciliation: rows read == rows written to the success and failure logs', () => {
  test('a log writer that loses a rejected row makes the run exit 3 with one line naming the counts and the manifest', async () => {
    // 5 rows the loader rejects before upload, 2 the org refuses.
    const file = contactsWithBadRows(1_000, {
      SFETL_COLUMN_COUNT: 3,
      SFETL_MALFORMED_QUOTES: 2,
      REQUIRED_FIELD_MISSING: 2,
    });
    const source = await stack.putSource('reconciliation/contacts.csv', file.csv);
    const result = await loadWithWriter(
      ['--config', stack.config, '--env', 'dev', '--object', 'Contact', '--source', source, '--run-id', 'run-lost-row'],
      writerThatLosesARejectedRow,
    );

    const manifest = 's3://sfetl-logs/_sfetl/runs/run-lost-row/dev/Contact.json';
    expect(result.code).toBe(3);
    expect(result.message).toBe(
      `reconciliation failed: Contact: 1000 rows read but 999 rows logged (993 success + 6 failure; manifest ${manifest}); ` +
        'do not rerun blindly: compare the manifest with the logs and the org first',
    );
    expect(result.message.split('\n')).toHaveLength(1);

    // What the run counted is what the logs hold: 4 of the 5 rejected rows, the org's 2 failures.
    const written = await readManifest('run-lost-row', 'dev', 'Contact');
    expect(written).toMatchObject({ rowsRead: 1000, rejected: 5, success: 993, failure: 6, reconciled: false });
    const failureLog = written.logs.find((l: { status: string }) => l.status === 'failure');
    const failureRows = await stack.readParquet(failureLog.location);
    expect(failureRows).toHaveLength(6);
    expect(failureRows.filter((r) => r.sf__Error?.startsWith('SFETL_'))).toHaveLength(4);
  });

  test('the run manifest lists each source file with its ETag, the job ids, counts per status equal to the logs, and durations', async () => {
    const first = contactsWithBadRows(600, { REQUIRED_FIELD_MISSING: 4, SFETL_COLUMN_COUNT: 2 }, '', 'MA-');
    const second = contactsWithBadRows(400, { INVALID_EMAIL_ADDRESS: 3 }, '', 'MB-');
    await stack.putSource('manifest/a.csv', first.csv);
    await stack.putSource('manifest/b.csv', second.csv);
    const config = stack.configWith('manifest.yaml', (c) => {
      c.limits.maxJobRows = 250; // 3 jobs for a.csv, 2 for b.csv
    });
    const before = Date.now();
    const result = await sfetlInProcess([
      'load',
      '--config',
      config,
      '--env',
      'qa',
      '--object',
      'Contact',
      '--source',
      's3://sfetl-source/manifest/',
      '--run-id',
      'run-manifest',
      '--output',
      'json',
    ]);
    const elapsedSeconds = (Date.now() - before) / 1000;
    expect(result.err).toBe('');
    expect(result.code).toBe(0);

    const manifest = await readManifest('run-manifest', 'qa', 'Contact');
    expect(manifest).toMatchObject({
      runId: 'run-manifest',
      env: 'qa',
      object: 'Contact',
      operation: 'upsert',
      instanceUrl: stack.description.orgs.qa!.instanceUrl,
      rowsRead: 1000,
      success: 991,
      failure: 9,
      rejected: 2,
      reconciled: true,
    });
    expect(new Date(manifest.writtenAt).getTime()).toBeGreaterThanOrEqual(before - 1000);

    // Each source file, in key order, with the ETag S3 has for it now, and its own counts.
    const etag = async (key: string) =>
      (await stack.aws.s3.send(new HeadObjectCommand({ Bucket: stack.description.buckets.source, Key: key }))).ETag;
    expect(
      manifest.sources.map((s: Record<string, unknown>) => ({
        uri: s.uri,
        etag: s.etag,
        rowsRead: s.rowsRead,
        success: s.success,
        failure: s.failure,
        runId: s.runId,
      })),
    ).toEqual([
      {
        uri: 's3://sfetl-source/manifest/a.csv',
        etag: await etag('manifest/a.csv'),
        rowsRead: 600,
        success: 594,
        failure: 6,
        runId: 'run-manifest',
      },
      {
        uri: 's3://sfetl-source/manifest/b.csv',
        etag: await etag('manifest/b.csv'),
        rowsRead: 400,
        success: 397,
        failure: 3,
        runId: 'run-manifest',
      },
    ]);

    // The job ids: every job the org ran for this load (qa is used by no other test), one per part.
    const jobIds: string[] = manifest.jobs.map((j: { jobId: string }) => j.jobId);
    const org = await orgGet<{ records: { id: string }[] }>(
      stack.description.orgs.qa!,
      '/services/data/v66.0/jobs/ingest',
    );
    expect([...jobIds].sort()).toEqual(org.records.map((r) => r.id).sort());
    expect(jobIds).toHaveLength(5);
    expect(manifest.jobs.every((j: { state: string }) => j.state === 'JobComplete')).toBe(true);
    // Each job names the file its rows came from: the success rows of a file's jobs are that file's.
    for (const source of manifest.sources as { uri: string; success: number }[]) {
      const own = manifest.jobs.filter((j: { source: string }) => j.source === source.uri);
      expect(own.length).toBeGreaterThan(0);
      expect(own.reduce((n: number, j: { success: number }) => n + j.success, 0)).toBe(source.success);
    }
    expect(
      manifest.jobs.every((j: { source: string }) => manifest.sources.some((s: { uri: string }) => s.uri === j.source)),
    ).toBe(true);

    // Counts per status equal the rows in the logs, per log directory and in all.
    const rowsAt = async (status: string) => {
      const logs = manifest.logs.filter((l: { status: string }) => l.status === status);
      expect(logs).toHaveLength(1);
      const rows = await stack.readParquet(logs[0].location);
      expect(logs[0].rows).toBe(rows.length);
      return rows;
    };
    const successRows = await rowsAt('success');
    const failureRows = await rowsAt('failure');
    expect({ success: successRows.length, failure: failureRows.length }).toEqual({
      success: manifest.success,
      failure: manifest.failure,
    });
    const perJob = (pick: (j: { success: number; failure: number }) => number) =>
      manifest.jobs.reduce((n: number, j: { success: number; failure: number }) => n + pick(j), 0);
    expect(perJob((j) => j.success)).toBe(successRows.length);
    expect(perJob((j) => j.failure) + manifest.rejected).toBe(failureRows.length);
    // Every logged job id is one of the manifest's (rows rejected before upload have none).
    expect(new Set([...successRows, ...failureRows].map((r) => r.sf__JobId).filter((id) => id !== ''))).toEqual(
      new Set(jobIds),
    );

    // Durations: the object's and each job's, in seconds, within the run's wall time.
    expect(manifest.seconds).toBeGreaterThan(0);
    expect(manifest.seconds).toBeLessThanOrEqual(elapsedSeconds);
    for (const job of manifest.jobs) {
      expect(job.seconds).toBeGreaterThan(0);
      expect(job.seconds).toBeLessThanOrEqual(manifest.seconds);
    }

    // The manifest names the secret it used at most, never its value.
    expect(JSON.stringify(manifest)).not.toContain(stack.description.orgs.qa!.clientSecret);
  });
});
