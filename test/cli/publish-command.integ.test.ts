import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { contactsWithBadRows } from '../support/contact-data';
import { sfetlInProcess, TestStack } from '../support/stack';

// Each publish starts local Spark (a JVM and a Derby metastore): tens of seconds on a busy 2-core runner.
jest.setTimeout(600_000);

const sfetl = sfetlInProcess;

/** Loads the stack's Contact source into one env; rows by status as the load's summary reports them. */
async function load(stack: TestStack, env: string, runId: string): Promise<{ success: number; failure: number }> {
  const result = await sfetl([
    'load',
    '--config',
    stack.config,
    '--env',
    env,
    '--object',
    'Contact',
    '--run-id',
    runId,
    '--output',
    'json',
  ]);
  expect(result.code).toBe(0);
  const summary = result.json.find((e) => e.event === 'summary') as { success: number; failure: number };
  return { success: summary.success, failure: summary.failure };
}

describe('sfetl publish against the embedded default', () => {
  let stack: TestStack;
  let hiveDir: string;
  const loaded: Record<string, { success: number; failure: number }> = {};

  beforeAll(async () => {
    stack = await TestStack.start();
    hiveDir = join(stack.dir, 'hive');
    await stack.putSource(
      'Contact/part-1.csv',
      contactsWithBadRows(60, { INVALID_EMAIL_ADDRESS: 1, SFETL_COLUMN_COUNT: 1 }).csv,
    );
    loaded.dev = await load(stack, 'dev', 'run-1');
    loaded.qa = await load(stack, 'qa', 'run-1');
  });
  afterAll(() => stack?.stop());

  test('publishes one table per object and prints its rows by env and status', async () => {
    const result = await sfetl(['publish', '--config', stack.config, '--hive-dir', hiveDir, '--master', 'local[1]']);
    expect(result.err).not.toMatch(/sfetl publish: .*(error|failed)/i);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^published 1 table\(s\) into sfetl \(full\) from s3a:\/\/sfetl-logs/);
    expect(result.out).toMatch(/sfetl\.contact: created, 2 partition\(s\) written, 0 dropped/);
    for (const env of ['dev', 'qa']) {
      expect(result.out).toMatch(
        new RegExp(`^sfetl\\.contact +${env} +${loaded[env]!.success} +${loaded[env]!.failure}$`, 'm'),
      );
    }
    expect(loaded.dev).toEqual({ success: 58, failure: 2 });
  });

  test('incremental rewrites only the partition of a new run and reports every env', async () => {
    loaded.uat = await load(stack, 'uat', 'run-2');
    const result = await sfetl([
      'publish',
      '--config',
      stack.config,
      '--hive-dir',
      hiveDir,
      '--master',
      'local[1]',
      '--mode',
      'incremental',
      '--object',
      'Contact',
      '--output',
      'json',
    ]);
    expect(result.code).toBe(0);
    const report = result.json.find((e) => e.event === 'publish-finished') as Record<string, any>;
    expect(report.mode).toBe('incremental');
    expect(report.tables).toHaveLength(1);
    const contact = report.tables[0];
    expect(contact).toMatchObject({
      table: 'sfetl.contact',
      created: false,
      partitionsWritten: 1,
      partitionsDropped: 0,
      rowsWritten: loaded.uat.success + loaded.uat.failure,
    });
    const expected = Object.entries(loaded).flatMap(([env, counts]) => [
      { env, status: 'failure', rows: counts.failure },
      { env, status: 'success', rows: counts.success },
    ]);
    expect(contact.counts).toEqual(expected.sort((a, b) => a.env.localeCompare(b.env)));
  });

  test('a corrupt log file stops it with exit 1 and one line naming the file', async () => {
    const key = 'success/Contact/run_id=broken/env=dev/created_time=20250101000000/part-00000.parquet';
    await stack.aws.s3.send(
      new PutObjectCommand({ Bucket: stack.description.buckets.logs, Key: key, Body: 'not parquet' }),
    );
    const result = await sfetl(['publish', '--config', stack.config, '--hive-dir', hiveDir, '--master', 'local[1]']);
    expect(result.code).toBe(1);
    const lines = result.err.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('sfetl publish: cannot read log file'))).toEqual([
      expect.stringContaining(`s3a://sfetl-logs/${key}`),
    ]);
    expect(lines[lines.length - 1]).toMatch(/move it away, then publish again$/);
    expect(result.err).not.toMatch(/^\s+at /m);
    expect(result.out).toBe('');
  });

  test('a bad option exits 1 with one line that says what to do', async () => {
    const result = await sfetl(['publish', '--mode', 'append']);
    expect(result.code).toBe(1);
    expect(result.err.trim().split('\n')).toEqual([
      expect.stringMatching(/--mode must be full or incremental.*run "sfetl publish --help"/),
    ]);
  });
});
