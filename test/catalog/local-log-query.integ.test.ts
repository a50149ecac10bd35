import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetTableCommand } from '@aws-sdk/client-glue';
import {
  LocalLogQuery,
  LocalLogQueryError,
  LogCatalog,
  LogFilesCopyError,
  LogQuerySqlError,
  namedLogQueries,
  NoLogTablesError,
  UnknownLogTableError,
} from '../../src/catalog';
import {
  countFailures,
  expectedFailureCounts,
  expectedFailureRate,
  expectedRunOutcome,
  expectedTopErrorCodes,
  LoadedRun,
  loadTwoRuns,
  sorted,
} from '../support/log-loads';
import { TestStack } from '../support/stack';

jest.setTimeout(120_000);

const DATABASE = 'sfetl_logs';

describe('LocalLogQuery over the log tables of the embedded default', () => {
  let stack: TestStack;
  let runs: LoadedRun[];
  let logs: LocalLogQuery;
  let workDir: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    runs = await loadTwoRuns(stack);
    workDir = mkdtempSync(join(stack.dir, 'work-'));
    logs = await LocalLogQuery.open({ glue: stack.aws.glue, s3: stack.aws.s3, database: DATABASE, workDir });
  });
  afterAll(async () => {
    await logs?.close();
    await stack?.stop();
  });

  const named = (id: string) => namedLogQueries(DATABASE, logs.objects).find((q) => q.id === id)!.sql;

  test('objects are the loaded sObjects as the logs spell them', () => {
    expect(logs.objects).toEqual(['Contact', 'Invoice__c']);
  });

  test('failure-rate answers with the records, successes and failures each load reported', async () => {
    const result = await logs.query(named('failure-rate'));
    expect(result.columns).toEqual([
      'env',
      'object',
      'run_id',
      'records',
      'successes',
      'failures',
      'failure_rate_pct',
      'created_time',
    ]);
    expect(sorted(result.rows)).toEqual(expectedFailureRate(runs));
    // Newest run first.
    expect(result.rows.map((r) => r.run_id)).toEqual(['run-2', 'run-2', 'run-1', 'run-1']);
  });

  test('top-error-codes answers with every error code and how many rows failed with it', async () => {
    const result = await logs.query(named('top-error-codes'));
    expect(sorted(result.rows)).toEqual(expectedTopErrorCodes(runs));
  });

  test('latest-failures lists every failed row (fewer than 100) with its code, newest first', async () => {
    const result = await logs.query(named('latest-failures'));
    expect(countFailures(result.rows)).toEqual(expectedFailureCounts(runs));
    const times = result.rows.map((r) => String(r.created_time));
    expect(times).toEqual([...times].sort().reverse());
    for (const row of result.rows) {
      // Rows the loader rejected never reached a job; the org's failures carry their job id.
      expect(row.sf_job_id).toMatch(String(row.error_code).startsWith('SFETL_') ? /^$/ : /^750/);
      expect(String(row.error)).toMatch(new RegExp(`^${String(row.error_code)}:`));
    }
  });

  test("run-outcome answers with the latest run's records per object, status and error code", async () => {
    const result = await logs.query(named('run-outcome'));
    expect(sorted(result.rows)).toEqual(expectedRunOutcome(runs[1]!));
  });

  test('each view has Glue’s columns (lower case) and the partition columns, values from the files', async () => {
    const table = await stack.aws.glue.send(new GetTableCommand({ DatabaseName: DATABASE, Name: 'contact' }));
    const glueColumns = (table.Table!.StorageDescriptor!.Columns ?? []).map((c) => c.Name);
    expect(glueColumns).toContain('title');
    const result = await logs.query(`SELECT * FROM "${DATABASE}"."contact" LIMIT 0`);
    expect(result.columns).toEqual([...glueColumns, 'status', 'run_id', 'env', 'created_time']);

    const people = await logs.query(
      "SELECT ext_id__c, lastname, sf__id, sf__jobid FROM contact WHERE run_id = 'run-1' AND status = 'success' ORDER BY ext_id__c LIMIT 1",
    );
    expect(people.rows).toEqual([
      {
        ext_id__c: 'C-0000000',
        lastname: 'Last0',
        sf__id: expect.stringMatching(/^003/),
        sf__jobid: expect.stringMatching(/^750/),
      },
    ]);
  });

  test('a column a file lacks reads as NULL', async () => {
    const result = await logs.query(`
      SELECT run_id, status,
        count(*) AS records, count(title) AS with_title, count(sf__created) AS with_created, count(sf__error) AS with_error
      FROM contact GROUP BY run_id, status ORDER BY run_id, status`);
    const [run1, run2] = runs;
    const contact = (r: LoadedRun) => r.objects.find((o) => o.object === 'Contact')!;
    expect(result.rows).toEqual([
      {
        run_id: 'run-1',
        status: 'failure',
        records: contact(run1!).failure,
        with_title: 0,
        with_created: 0,
        with_error: contact(run1!).failure,
      },
      {
        run_id: 'run-1',
        status: 'success',
        records: contact(run1!).success,
        with_title: 0,
        with_created: contact(run1!).success,
        with_error: 0,
      },
      {
        run_id: 'run-2',
        status: 'failure',
        records: contact(run2!).failure,
        with_title: expect.any(Number),
        with_created: 0,
        with_error: contact(run2!).failure,
      },
      {
        run_id: 'run-2',
        status: 'success',
        records: contact(run2!).success,
        with_title: contact(run2!).success,
        with_created: contact(run2!).success,
        with_error: 0,
      },
    ]);
  });

  test('values come back JSON-friendly', async () => {
    const result = await logs.query(`
      SELECT count(*) AS n, sum(1) AS total, CAST(1.25 AS DECIMAL(5, 2)) AS d, 2.5::DOUBLE AS x,
        9007199254740993::BIGINT AS big, true AS t, NULL AS z, DATE '2024-03-01' AS day, '' AS empty
      FROM invoice__c WHERE env = 'dev'`);
    expect(result.rows).toEqual([
      { n: 30, total: 30, d: 1.25, x: 2.5, big: '9007199254740993', t: true, z: null, day: '2024-03-01', empty: '' },
    ]);
  });

  test('a repeated column name gets a suffix so no value is lost', async () => {
    const result = await logs.query("SELECT 'a' AS v, 'b' AS v");
    expect(result.columns).toHaveLength(2);
    expect(Object.values(result.rows[0]!)).toEqual(['a', 'b']);
  });

  test('bad SQL is a LogQuerySqlError with DuckDB’s diagnosis on one line and the tables to use', async () => {
    const error = await logs.query('SELEC count(*) FROM contact').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogQuerySqlError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^the SQL was refused: Parser Error: syntax error at or near "SELEC"; fix it and run again/,
    );
    expect(message).toContain('"sfetl_logs"."contact", "sfetl_logs"."invoice__c"');
    expect(message).not.toContain('\n');

    const column = await logs.query('SELECT lastnme FROM contact').catch((e: unknown) => e);
    expect(column).toBeInstanceOf(LogQuerySqlError);
    expect((column as Error).message).toMatch(/Referenced column "lastnme" not found/);
  });

  test('an unknown table is an UnknownLogTableError that lists the log tables', async () => {
    const error = await logs.query(`SELECT * FROM "${DATABASE}"."contacts"`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownLogTableError);
    expect((error as Error).message).toBe(
      'there is no log table contacts; the log tables are "sfetl_logs"."contact", "sfetl_logs"."invoice__c"',
    );
  });

  test('one statement at a time, and nothing outside the copied logs is readable', async () => {
    await expect(logs.query('SELECT 1; SELECT 2')).rejects.toThrow(/2 statements given; run one statement at a time/);
    await expect(logs.query('')).rejects.toThrow(/the SQL holds no statement/);
    await expect(logs.query('-- only a comment')).rejects.toThrow(/the SQL holds no statement/);
    const outside = await logs
      .query(`SELECT * FROM read_csv('${join(__dirname, '..', 'fixtures', 'log-query', 'invoices.csv')}')`)
      .catch((e: unknown) => e);
    expect(outside).toBeInstanceOf(LogQuerySqlError);
    expect((outside as Error).message).toMatch(/Permission Error/);
  });

  test('every Parquet file of the log trees is copied into the work dir given, which the caller keeps', async () => {
    const copies = readdirSync(workDir, { recursive: true }).filter((f) => String(f).endsWith('.parquet'));
    const logFiles = (await stack.logKeys('')).filter((k) => /^(success|failure)\/.*\.parquet$/.test(k));
    // At least one per log directory: 2 runs × 2 objects × (success, failure).
    expect(logFiles.length).toBeGreaterThanOrEqual(8);
    expect(copies).toHaveLength(logFiles.length);
  });

  test('a log table with no partition is an empty view with its columns; the named queries still answer', async () => {
    await new LogCatalog({ glue: stack.aws.glue, database: DATABASE, bucket: 'sfetl-logs', prefix: '' }).ensureTable(
      'Lead',
      ['LastName', 'Company', 'Status', 'sf__Id', 'sf__Created', 'sf__Error', 'sf__JobId'],
    );
    const withLead = await LocalLogQuery.open({ glue: stack.aws.glue, s3: stack.aws.s3, database: DATABASE });
    try {
      expect(withLead.objects).toEqual(['Contact', 'Invoice__c', 'lead']);
      const lead = await withLead.query('SELECT * FROM lead');
      expect(lead).toEqual({
        columns: [
          'lastname',
          'company',
          'sf__id',
          'sf__created',
          'sf__error',
          'sf__jobid',
          'status',
          'run_id',
          'env',
          'created_time',
        ],
        rows: [],
      });
      const rate = namedLogQueries(DATABASE, withLead.objects).find((q) => q.id === 'failure-rate')!;
      expect(sorted((await withLead.query(rate.sql)).rows)).toEqual(expectedFailureRate(runs));
    } finally {
      await withLead.close();
    }
  });

  test('a database that does not exist is a NoLogTablesError that says to load first', async () => {
    const error = await LocalLogQuery.open({ glue: stack.aws.glue, s3: stack.aws.s3, database: 'nothing_here' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NoLogTablesError);
    expect(error).toMatchObject({ databaseExists: false });
    expect((error as Error).message).toMatch(/Glue database nothing_here does not exist; run "sfetl load" first/);
  });

  test('a partition whose files cannot be read is a LogFilesCopyError naming its location', async () => {
    const catalog = new LogCatalog({ glue: stack.aws.glue, database: 'broken_logs', bucket: 'sfetl-logs', prefix: '' });
    await catalog.ensureDatabase();
    await catalog.ensureTable('Contact', ['LastName', 'sf__Id', 'sf__Created', 'sf__JobId']);
    const location = 's3://no-such-bucket/success/Contact/run_id=r/env=dev/created_time=20260101000000/';
    await catalog.registerPartitions('Contact', [
      { status: 'success', runId: 'r', env: 'dev', createdTime: '20260101000000', location },
    ]);
    const error = await LocalLogQuery.open({ glue: stack.aws.glue, s3: stack.aws.s3, database: 'broken_logs' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LogFilesCopyError);
    expect(error).toMatchObject({ table: 'contact', location });
    expect((error as Error).message).toMatch(
      /^could not copy the log files of s3:\/\/no-such-bucket\/success\/Contact\/.* \(NoSuchBucket: .*\); check the log bucket/,
    );
  });

  test('close() stops DuckDB; a query afterwards is refused', async () => {
    const own = await LocalLogQuery.open({
      glue: stack.aws.glue,
      s3: stack.aws.s3,
      database: DATABASE,
      workDir: join(workDir, 'own'),
    });
    await own.close();
    await expect(own.query('SELECT 1')).rejects.toBeInstanceOf(LocalLogQueryError);
    expect(existsSync(join(workDir, 'own'))).toBe(true);
  });
});
