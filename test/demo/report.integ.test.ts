import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoFailure, DemoReport, renderReportHtml } from '../../src/demo';
import { PNG_SIGNATURE, renderReport, RenderedReport } from '../support/report-page';

// Starting Chromium on a busy 2-core runner takes a few seconds.
jest.setTimeout(120_000);

/** The report model of a real `sfetl demo --all-envs --records 40 --seed 3` run (its summary.json). */
const model = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'demo', 'report-model.json'), 'utf8'),
) as DemoReport;

/** A failed row whose values are HTML, as a hostile or merely unlucky source file could hold. */
const hostile: DemoFailure = {
  env: 'dev',
  object: 'Contact',
  runId: 'run-<b>x</b>',
  key: 'DEMO3-C-<img src=x onerror="window.pwned=true">',
  code: 'INVALID_EMAIL_ADDRESS',
  error: 'INVALID_EMAIL_ADDRESS:Email: invalid email address: </td><script>window.pwned=true</script>:Email --',
  fields: { lastname: '<script>window.pwned=true</script>', title: 'R&D "lead"' },
};

const pct = (success: number, rows: number) => `${((100 * success) / rows).toFixed(2)}%`;

describe('the demo report in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sfetl-report-'));
  const report: DemoReport = {
    ...model,
    failures: [hostile, ...model.failures],
    failuresTotal: model.failuresTotal + 1,
  };
  let page: RenderedReport;
  const screenshot = join(dir, 'report.png');

  beforeAll(async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReportHtml(report));
    page = await renderReport(file, screenshot);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('renders to a non-empty PNG screenshot without fetching anything', () => {
    expect(page.title).toBe('sfetl demo report');
    expect(page.screenshot.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    expect(page.otherRequests).toEqual([]);
  });

  test('the success-rate chart has one drawn bar per env and object, labelled with its rate', () => {
    expect(model.cells).toHaveLength(12);
    expect(page.successBars.map((b) => [b.label, b.text])).toEqual(
      model.cells.map((c) => [`${c.env} · ${c.object}`, pct(c.logs.success, c.logs.success + c.logs.failure)]),
    );
    for (const bar of page.successBars) expect(bar.width).toBeGreaterThan(100);
  });

  test('the error-code chart has one bar per code with its count, longest first', () => {
    const byCode = new Map<string, number>();
    for (const cell of model.cells) {
      for (const e of cell.errors) byCode.set(e.code, (byCode.get(e.code) ?? 0) + e.count);
    }
    const expected = [...byCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    expect(page.codeBars.map((b) => [b.label, b.text])).toEqual(expected.map(([code, n]) => [code, String(n)]));
    const widths = page.codeBars.map((b) => b.width);
    expect(widths).toEqual([...widths].sort((a, b) => b - a));
    expect(widths[0]).toBeGreaterThan(widths.at(-1)!);
  });

  test('the runs chart has one point per env and run, labelled with its success rate', () => {
    expect(page.runPoints).toHaveLength(model.envs.length * 2);
    expect(page.runPoints.map((p) => p.text).sort()).toEqual(model.runs.map((r) => pct(r.success, r.rows)).sort());
    for (const point of page.runPoints) expect(point.width).toBeGreaterThan(5);
  });

  test('the failure table lists every failing row with its error, values shown as text', () => {
    expect(page.failureRows).toHaveLength(model.failuresTotal + 1);
    expect(page.failureRows.slice(1).map((r) => [r.key, r.code, r.error])).toEqual(
      model.failures.map((f) => [f.key, f.code, f.error]),
    );
    expect(page.failureRows[0]).toEqual({
      key: hostile.key,
      code: hostile.code,
      error: hostile.error,
      fields: 'lastname=<script>window.pwned=true</script> · title=R&D "lead"',
    });
    expect(page.scriptRan).toBe(false);
  });

  test('the summary table shows the numbers of each env and object and that the sources agree', () => {
    expect(page.summaryRows.map((r) => [r[0], r[1], r[3], r[4], r[6], r[9]])).toEqual(
      model.cells.map((c) => [
        c.env,
        c.object,
        String(c.logs.success),
        String(c.logs.failure),
        String(c.org.records),
        'yes',
      ]),
    );
  });
});
