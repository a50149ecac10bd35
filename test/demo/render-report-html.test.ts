import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemoReport, DemoReport, DemoSources, renderReportHtml } from '../../src/demo';
import { escapeHtml } from '../../src/report';

const model = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'demo', 'report-model.json'), 'utf8'),
) as DemoReport;

describe('renderReportHtml', () => {
  test('escapes HTML in every value that comes from the data', () => {
    const html = renderReportHtml({
      ...model,
      prefix: '<i>P</i>',
      mismatches: ['dev <b>Contact</b>: 1 ≠ 2'],
      failures: [
        {
          env: 'dev',
          object: 'Contact',
          runId: 'r"1',
          key: '<img src=x onerror=alert(1)>',
          code: 'X&Y',
          error: '</td><script>alert(1)</script>',
          fields: { "ti'tle": '<b>"bold"</b>' },
        },
      ],
    });
    expect(html).not.toMatch(/<script|<img|<b>|<i>/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('ti&#39;tle=&lt;b&gt;&quot;bold&quot;&lt;/b&gt;');
    expect(html).toContain('X&amp;Y');
    expect(html).toContain('dev &lt;b&gt;Contact&lt;/b&gt;: 1 ≠ 2');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  test('is one self-contained file: inline CSS and SVG, no script, no external URL', () => {
    const html = renderReportHtml(model);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<style>');
    // Values such as an Account's website are text; nothing is loaded from anywhere.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|@import|url\(/);
    expect(html.match(/<svg /g)).toHaveLength(3);
  });

  test('draws one bar per env and object, per error code and one point per run', () => {
    const html = renderReportHtml(model);
    const count = (id: string, mark: string) =>
      (new RegExp(`<svg id="${id}"[^]*?</svg>`).exec(html)![0].match(new RegExp(`<g class="${mark}[ "]`, 'g')) ?? [])
        .length;
    expect(count('chart-success-rate', 'bar')).toBe(model.cells.length);
    expect(count('chart-error-codes', 'bar')).toBe(model.errorCodes.length);
    expect(count('chart-runs', 'point')).toBe(model.runs.length);
  });

  test('says when the sources disagree', () => {
    expect(renderReportHtml(model)).toContain('agree on every number');
    const html = renderReportHtml({
      ...model,
      mismatches: ['dev Contact: success rows in the logs vs in Hive: 3 ≠ 2'],
    });
    expect(html).toContain('The sources disagree');
    expect(html).toContain('<li>dev Contact: success rows in the logs vs in Hive: 3 ≠ 2</li>');
  });
});

describe('buildDemoReport', () => {
  const sources: DemoSources = {
    generatedAt: '2026-01-01T00:00:00.000Z',
    seed: 1,
    records: 10,
    prefix: 'DEMO1-',
    envs: ['dev'],
    objects: ['Account'],
    loads: [
      {
        env: 'dev',
        object: 'Account',
        run: 1,
        runId: 'r1',
        rowsRead: 10,
        success: 9,
        failure: 1,
        rejected: 0,
        retriedRows: 0,
        rowLockRate: 0,
        exitCode: 0,
        seconds: 1,
      },
    ],
    logCounts: [
      { env: 'dev', object: 'Account', runId: 'r1', status: 'success', rows: 9, createdTime: '20260101000001' },
      { env: 'dev', object: 'Account', runId: 'r1', status: 'failure', rows: 1, createdTime: '20260101000001' },
    ],
    logRecords: [{ env: 'dev', object: 'Account', count: 9 }],
    logErrors: [{ env: 'dev', object: 'Account', code: 'REQUIRED_FIELD_MISSING', count: 1 }],
    orgRecords: [{ env: 'dev', object: 'Account', count: 9 }],
    hiveCounts: [
      { env: 'dev', object: 'Account', status: 'success', rows: 9 },
      { env: 'dev', object: 'Account', status: 'failure', rows: 1 },
    ],
    hiveDatabase: 'sfetl',
    failures: [],
    failuresTotal: 1,
  };

  test('agrees when every source has the same numbers', () => {
    const report = buildDemoReport(sources);
    expect(report.mismatches).toEqual([]);
    expect(report.cells[0]).toMatchObject({
      agrees: true,
      load: { rows: 10, success: 9, failure: 1 },
      org: { records: 9 },
    });
    expect(report.runs).toEqual([
      { env: 'dev', run: 1, runId: 'r1', createdTime: '20260101000001', rows: 10, success: 9, failure: 1 },
    ]);
  });

  test('names each number that differs: the org, Hive, the logs', () => {
    const report = buildDemoReport({
      ...sources,
      orgRecords: [{ env: 'dev', object: 'Account', count: 8 }],
      hiveCounts: [{ env: 'dev', object: 'Account', status: 'success', rows: 9 }],
    });
    expect(report.cells[0]!.agrees).toBe(false);
    expect(report.mismatches).toEqual([
      'dev Account: failure rows in the logs vs in Hive: 1 ≠ 0',
      'dev Account: records loaded according to the logs vs records in the org: 9 ≠ 8',
    ]);
  });
});
