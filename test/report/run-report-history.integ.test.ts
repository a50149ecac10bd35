import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRunReportHtml, ReportTrendPoint, RunReport } from '../../src/report';
import { PNG_SIGNATURE, renderReport, RenderedReport } from '../support/report-page';

// Starting Chromium on a busy 2-core runner takes a few seconds.
jest.setTimeout(120_000);

const RUNS = 50;
const ROWS = 1000;

/** 50 daily runs of Contact and Account in prod, failures rising and falling, and one hostile value. */
function history(): RunReport {
  const trend: ReportTrendPoint[] = [];
  for (let i = 0; i < RUNS; i++) {
    const day = new Date(Date.UTC(2026, 9, 1 + i, 2, 0, 0));
    const createdTime = day.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    for (const object of ['Account', 'Contact']) {
      const failure = (i * 7 + object.length) % 40;
      trend.push({
        env: 'prod',
        object,
        runId: `run-${String(i).padStart(2, '0')}`,
        createdTime,
        success: ROWS - failure,
        failure,
      });
    }
  }
  const last = trend.slice(-2);
  return {
    generatedAt: '2026-12-06T00:00:00.000Z',
    selection: 'run run-49 in prod',
    database: 'sfetl_logs',
    history: RUNS,
    runs: last.map((p) => ({
      env: p.env,
      object: p.object,
      runId: p.runId,
      createdTime: p.createdTime,
      rowsRead: ROWS,
      loaded: p.success,
      failed: p.failure,
      rejected: 0,
      retried: 3,
      jobs: 1,
      seconds: 12.5,
      errors: [{ code: 'REQUIRED_FIELD_MISSING', count: p.failure }],
      sources: [
        {
          uri: `s3://src/${p.object}/<b>day</b>.csv`,
          rowsRead: ROWS,
          success: p.success,
          failure: p.failure,
          rejected: 0,
        },
      ],
      manifest: `s3://logs/_sfetl/runs/${p.runId}/prod/${p.object}.json`,
    })),
    errorCodes: [{ code: 'REQUIRED_FIELD_MISSING', count: last.reduce((n, p) => n + p.failure, 0) }],
    trend,
    failures: [
      {
        env: 'prod',
        object: 'Contact',
        runId: 'run-49',
        key: 'C-<img src=x onerror="window.pwned=true">',
        code: 'REQUIRED_FIELD_MISSING',
        error: 'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]</td><script>window.pwned=true</script>',
        fields: { FirstName: '<script>window.pwned=true</script>' },
      },
    ],
    failuresTotal: last.reduce((n, p) => n + p.failure, 0),
    mismatches: [],
  };
}

describe('a run report with 50 runs of history in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sfetl-run-report-'));
  const report = history();
  let page: RenderedReport;
  let file: string;

  beforeAll(async () => {
    file = join(dir, 'report.html');
    writeFileSync(file, renderRunReportHtml(report));
    page = await renderReport(file, join(dir, 'report.png'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('renders without fetching anything or running a script from the data', () => {
    expect(page.title).toBe('sfetl run report');
    expect(page.screenshot.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(page.otherRequests).toEqual([]);
    expect(page.scriptRan).toBe(false);
    expect(page.failureRows[0]!.key).toBe(report.failures[0]!.key);
  });

  test('the trend chart draws every run of each env and object, oldest first', () => {
    expect(page.runPoints).toHaveLength(2 * RUNS);
    for (const point of page.runPoints) expect(point.width).toBeGreaterThan(5);
    const columns = [...new Set(page.runPoints.map((p) => p.label))];
    expect(columns).toHaveLength(RUNS);
    expect(columns[0]).toBe('10-01 02:00 run-00');
    expect(columns.at(-1)).toBe('11-19 02:00 run-49');
  });

  test('a long history labels every fifth run and the last, so the labels stay readable', () => {
    const labelled = page.runPoints.filter((p) => p.text !== '');
    expect(labelled).toHaveLength(2 * (RUNS / 5 + 1));
    const last = report.trend.slice(-2).map((p) => `${((100 * p.success) / ROWS).toFixed(2)}%`);
    const lastColumn = labelled.filter((p) => p.label === '11-19 02:00 run-49').map((p) => p.text);
    expect(lastColumn.sort()).toEqual(last.sort());
  });

  test('the file stays small: aggregates and a sample, not rows', () => {
    expect(statSync(file).size).toBeLessThan(200_000);
  });
});
