import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { LocalLogQuery } from '../../src/catalog';
import { LoadedRun, loadTwoRuns } from '../support/log-loads';
import { PNG_SIGNATURE, renderReport, RenderedReport } from '../support/report-page';
import { sfetlInProcess, TestStack } from '../support/stack';

// Two loads on the embedded default, then Chromium: a minute or two on a busy 2-core runner.
jest.setTimeout(240_000);

const DATABASE = 'sfetl_logs';

/** What DuckDB counts in the logs of one run, per object: the numbers the report must show. */
async function logCounts(stack: TestStack, runId: string) {
  const logs = await LocalLogQuery.open({ glue: stack.aws.glue, s3: stack.aws.s3, database: DATABASE });
  try {
    const counts: Record<
      string,
      { success: number; failure: number; rejected: number; codes: Record<string, number> }
    > = {};
    for (const object of logs.objects) {
      const result = await logs.query(
        `SELECT status, split_part(sf__error, ':', 1) AS code, count(*) AS n FROM ${object.toLowerCase()} ` +
          `WHERE run_id = '${runId}' GROUP BY ALL`,
      );
      const entry = { success: 0, failure: 0, rejected: 0, codes: {} as Record<string, number> };
      for (const row of result.rows) {
        const n = row.n as number;
        if (row.status === 'success') {
          entry.success += n;
        } else {
          entry.failure += n;
          entry.codes[row.code as string] = n;
          if (String(row.code).startsWith('SFETL_')) entry.rejected += n;
        }
      }
      if (entry.success + entry.failure > 0) counts[object] = entry;
    }
    return counts;
  } finally {
    await logs.close();
  }
}

describe('sfetl report on the embedded default', () => {
  let stack: TestStack;
  let runs: LoadedRun[];
  let page: RenderedReport;
  let file: string;
  let printed: Record<string, unknown>;

  beforeAll(async () => {
    stack = await TestStack.start();
    runs = await loadTwoRuns(stack);
    file = join(stack.dir, 'report.html');
    const result = await sfetlInProcess([
      'report',
      '--config',
      stack.config,
      '--run-id',
      'run-1',
      '--out',
      file,
      '--output',
      'json',
    ]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    printed = result.json[0]!;
    page = await renderReport(file, join(stack.dir, 'report.png'));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('prints where it wrote the report, with its size', () => {
    expect(printed).toMatchObject({ event: 'report', location: file, runs: 2, bytes: statSync(file).size });
  });

  test("the summary's rows read, loaded, failed and rejected equal DuckDB's counts of the run's logs", async () => {
    const counts = await logCounts(stack, 'run-1');
    expect(Object.keys(counts).sort()).toEqual(['Contact', 'Invoice__c']);
    expect(page.summaryRows.map((r) => [r[0], r[1], r[2], r[4], r[5], r[6], r[7]])).toEqual(
      Object.entries(counts)
        .sort()
        .map(([object, c]) => [
          'dev',
          object,
          'run-1',
          String(c.success + c.failure),
          String(c.success),
          String(c.failure),
          String(c.rejected),
        ]),
    );
    // And what the load itself reported.
    for (const o of runs[0]!.objects) {
      expect(counts[o.object]).toMatchObject({ success: o.success, failure: o.failure, codes: o.errors });
    }
  });

  test('the manifests add jobs, retries and time; manifests and logs agree', () => {
    for (const row of page.summaryRows) {
      expect(Number(row[10])).toBeGreaterThanOrEqual(1); // jobs
      expect(row[8]).toBe('0'); // rows retried: no row locks in this stack
      expect(row[11]).toMatch(/^\d+\.\d s$/);
    }
    expect(readFileSync(file, 'utf8')).toContain("The logs and the runs' manifests agree");
  });

  test('renders its charts in headless Chromium, self-contained', async () => {
    expect(page.title).toBe('sfetl run report');
    expect(page.screenshot.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(page.otherRequests).toEqual([]);
    expect(page.successBars.map((b) => b.label)).toEqual(['dev · Contact · run-1', 'dev · Invoice__c · run-1']);
    for (const bar of page.successBars) expect(bar.width).toBeGreaterThan(100);
    const counts = await logCounts(stack, 'run-1');
    const byCode = new Map<string, number>();
    for (const c of Object.values(counts)) {
      for (const [code, n] of Object.entries(c.codes)) byCode.set(code, (byCode.get(code) ?? 0) + n);
    }
    expect(new Map(page.codeBars.map((b) => [b.label, Number(b.text)]))).toEqual(byCode);
    // run-1 is the only run in dev: one point per object.
    expect(page.runPoints).toHaveLength(2);
  });

  test('the failure sample holds example rows of every code, each with its error and values', () => {
    const codes = new Set(page.failureRows.map((r) => r.code));
    for (const o of runs[0]!.objects) for (const code of Object.keys(o.errors)) expect(codes).toContain(code);
    const missing = page.failureRows.find((r) => r.code === 'REQUIRED_FIELD_MISSING')!;
    expect(missing.key).toMatch(/^C-\d{7}$/);
    expect(missing.fields).toContain('Email=');
  });

  test('without --run-id: the latest run of each env; to S3 as well', async () => {
    const result = await sfetlInProcess([
      'report',
      '--config',
      stack.config,
      '--out',
      `s3://${stack.description.buckets.logs}/reports/latest.html`,
    ]);
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      `report written to s3://${stack.description.buckets.logs}/reports/latest.html (4 object run(s), ` +
        `${runs.flatMap((r) => r.objects).reduce((n, o) => n + o.failure, 0)} failed row(s))\n`,
    );
    const object = await stack.aws.s3.send(
      new GetObjectCommand({ Bucket: stack.description.buckets.logs, Key: 'reports/latest.html' }),
    );
    expect(object.ContentType).toBe('text/html; charset=utf-8');
    const html = await object.Body!.transformToString();
    expect(html).toContain('data-run="run-1"');
    expect(html).toContain('data-run="run-2"');
  });

  test('a selection no run matches says what to check', async () => {
    const result = await sfetlInProcess(['report', '--config', stack.config, '--run-id', 'nope', '--out', file]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('no run in the Glue database sfetl_logs matches run nope');
    const early = await sfetlInProcess(['report', '--config', stack.config, '--until', '2001-01-01', '--out', file]);
    expect(early.code).toBe(1);
  });
});
