import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { contactsWithBadRows, GeneratedFile } from '../support/contact-data';
import { sfetlInProcess, TestStack } from '../support/stack';

// Three loads on the embedded default.
jest.setTimeout(240_000);

/** The source's own header: a mapped column (Surname → LastName) and one in lower case (email → Email). */
const SOURCE_HEADER = ['Ext_Id__c', 'FirstName', 'Surname', 'email', 'Birthdate', 'LeadSource', 'Description'];
const ERROR_COLUMNS = ['sfetl_error_code', 'sfetl_error_message'];

describe('sfetl failures export: failed rows back as a file, fixed and loaded again', () => {
  let stack: TestStack;
  let config: string;
  let source: GeneratedFile;
  let sourceRows: Map<string, string[]>;
  let csvFile: string;
  let printed: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    config = stack.configWith('mapped.yaml', (c) => {
      c.objects.find((o: { name: string }) => o.name === 'Contact').columnMapping = { Surname: 'LastName' };
    });
    source = contactsWithBadRows(60, { REQUIRED_FIELD_MISSING: 2, INVALID_EMAIL_ADDRESS: 2, SFETL_COLUMN_COUNT: 1 });
    const [, ...lines] = source.csv.trimEnd().split('\n');
    const csv = `${[SOURCE_HEADER.join(','), ...lines].join('\n')}\n`;
    sourceRows = new Map(
      (parse(csv, { relax_column_count: true, from_line: 2 }) as string[][]).map((row) => [row[0]!, row]),
    );
    await stack.putSource('Contact/contacts.csv', csv);
    const load = await sfetlInProcess([
      'load',
      '--config',
      config,
      '--env',
      'dev',
      '--object',
      'Contact',
      '--run-id',
      'run-a',
      '--put-metrics',
    ]);
    // 5 of 60 rows failed: above the stack's 5 % threshold.
    expect(load.json.filter((e) => String(e.event).startsWith('metrics'))).toEqual([
      expect.objectContaining({ event: 'metrics-published', namespace: 's3-salesforce-etl' }),
    ]);
    expect(load.code).toBe(2);
    csvFile = join(stack.dir, 'failed.csv');
    const exported = await sfetlInProcess([
      'failures',
      'export',
      '--config',
      config,
      '--env',
      'dev',
      '--object',
      'Contact',
      '--run-id',
      'run-a',
      '--out',
      csvFile,
    ]);
    expect(exported.err).toBe('');
    expect(exported.code).toBe(0);
    printed = exported.out;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('the load put its failure rate into CloudWatch (--put-metrics), where the alarm reads it', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const answer = await stack.aws.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(minute - 30 * 60_000),
        EndTime: new Date(minute + 30 * 60_000),
        MetricDataQueries: [
          {
            Id: 'rate',
            MetricStat: {
              Metric: {
                Namespace: 's3-salesforce-etl',
                MetricName: 'RunFailureRate',
                Dimensions: [{ Name: 'env', Value: 'dev' }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(answer.MetricDataResults![0]!.Values).toEqual([(100 * 5) / 60]);
  });

  const exportedRows = () => parse(readFileSync(csvFile, 'utf8'), { columns: true }) as Record<string, string>[];

  test('says what it wrote and that the error columns must go before loading', () => {
    expect(printed).toContain(`5 failed row(s) of Contact in run run-a (dev) written to ${csvFile}`);
    expect(printed).toContain('delete the columns sfetl_error_code and sfetl_error_message');
  });

  test("the CSV has the source's own header, then the error code and message", () => {
    const [header] = parse(readFileSync(csvFile, 'utf8'), { to_line: 1 }) as string[][];
    expect(header).toEqual([...SOURCE_HEADER, ...ERROR_COLUMNS]);
  });

  test('every failed row, once, with its code and its values as in the source', () => {
    const rows = exportedRows();
    expect(new Map(rows.map((r) => [r.Ext_Id__c!, r.sfetl_error_code]))).toEqual(new Map(source.bad));
    for (const row of rows) {
      // The surplus cell of the SFETL_COLUMN_COUNT row is not a column: the other seven are as sent.
      expect(SOURCE_HEADER.map((c) => row[c])).toEqual(sourceRows.get(row.Ext_Id__c!)!.slice(0, SOURCE_HEADER.length));
      expect(row.sfetl_error_message).not.toBe('');
    }
    expect(rows.find((r) => r.sfetl_error_code === 'REQUIRED_FIELD_MISSING')!.sfetl_error_message).toContain(
      'Required fields are missing: [LastName]',
    );
  });

  test('--code keeps one error code; the file can go to S3', async () => {
    const uri = `s3://${stack.description.buckets.logs}/exports/missing.csv`;
    const result = await sfetlInProcess([
      'failures',
      'export',
      '--config',
      config,
      '--env',
      'dev',
      '--object',
      'Contact',
      '--run-id',
      'run-a',
      '--code',
      'REQUIRED_FIELD_MISSING',
      '--out',
      uri,
      '--output',
      'json',
    ]);
    expect(result.code).toBe(0);
    expect(result.json[0]).toMatchObject({ location: uri, rows: 2, codes: { REQUIRED_FIELD_MISSING: 2 } });
    const object = await stack.aws.s3.send(
      new GetObjectCommand({ Bucket: stack.description.buckets.logs, Key: 'exports/missing.csv' }),
    );
    expect(parse(await object.Body!.transformToString(), { columns: true })).toHaveLength(2);
  });

  test('a run that is not logged is named, with what to check', async () => {
    const result = await sfetlInProcess([
      'failures',
      'export',
      '--config',
      config,
      '--env',
      'qa',
      '--object',
      'Contact',
      '--run-id',
      'run-a',
      '--out',
      csvFile,
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('there is no log of Contact in qa for run run-a; check --env, --object and --run-id');
  });

  test('corrected and loaded as a new file: no failure, no duplicate, the fixed values in the org', async () => {
    const fixed = exportedRows().map((row) => {
      const out = { ...row };
      if (row.sfetl_error_code === 'REQUIRED_FIELD_MISSING') out.Surname = 'Fixed';
      if (row.sfetl_error_code === 'INVALID_EMAIL_ADDRESS') out.email = `${row.Ext_Id__c}@example.com`;
      return out;
    });

    // Left in, the error columns stop the load at preflight, before any job, and the message says to delete them.
    await stack.putSource('Contact/contacts-fixed.csv', stringify(fixed, { header: true }));
    const refused = await sfetlInProcess(['load', '--config', config, '--env', 'dev', '--object', 'Contact']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('delete the columns sfetl_error_code and sfetl_error_message');

    await stack.putSource('Contact/contacts-fixed.csv', stringify(fixed, { header: true, columns: SOURCE_HEADER }));
    const reload = await sfetlInProcess([
      'load',
      '--config',
      config,
      '--env',
      'dev',
      '--object',
      'Contact',
      '--run-id',
      'run-b',
      '--output',
      'json',
    ]);
    expect(reload.err).toBe('');
    expect(reload.code).toBe(0);
    const summary = reload.json.find((e) => e.event === 'summary') as {
      objects: { rowsRead: number; success: number; failure: number }[];
    };
    expect(summary.objects[0]).toMatchObject({ rowsRead: 5, success: 5, failure: 0 });

    const org = await stack.orgQuery<{ Ext_Id__c: string; LastName: string; Email: string }>(
      'dev',
      'SELECT Ext_Id__c, LastName, Email FROM Contact',
    );
    expect(org.records).toHaveLength(60);
    expect(new Set(org.records.map((r) => r.Ext_Id__c)).size).toBe(60);
    for (const [ext, code] of source.bad) {
      const record = org.records.find((r) => r.Ext_Id__c === ext)!;
      if (code === 'REQUIRED_FIELD_MISSING') expect(record.LastName).toBe('Fixed');
      if (code === 'INVALID_EMAIL_ADDRESS') expect(record.Email).toBe(`${ext}@example.com`);
    }
  });
});
