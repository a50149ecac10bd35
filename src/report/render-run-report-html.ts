import { escapeHtml, failureTableHtml, formatRate, reportPage, svgBarChart, svgRunChart } from './report-look';
import { RunReport } from './run-report';

/** The trend chart writes the labels of at most about this many runs; every run is still drawn. */
const LABELLED_RUNS = 10;

const num = (n: number) => n.toLocaleString('en-US');
const optional = (n: number | null, format: (n: number) => string = num) => (n === null ? '–' : format(n));
/** yyyyMMddHHmmss → yyyy-MM-dd HH:mm:ss (UTC). */
const time = (t: string) =>
  /^\d{14}$/.test(t)
    ? `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12)}`
    : t;
const tone = (rate: number) => (rate >= 0.98 ? 'ok' : rate >= 0.95 ? 'warn' : 'bad');
const rate = (success: number, rows: number) => (rows === 0 ? 0 : (100 * success) / rows);

/**
 * The report of `sfetl report` as one self-contained HTML file, in the demo report's look (src/demo): inline
 * CSS and SVG charts, no script, no network, every value from the logs escaped. Element ids match the demo's
 * (`#summary`, `#chart-success-rate`, `#chart-error-codes`, `#chart-runs`, `#failures`).
 */
export function renderRunReportHtml(report: RunReport): string {
  const ok = report.mismatches.length === 0;
  const status = ok
    ? `<div class="status ok" id="reconciliation">The logs and the runs' manifests agree on every count below.</div>`
    : `<div class="status bad" id="reconciliation"><strong>The manifests and the logs disagree:</strong><ul>${report.mismatches
        .map((m) => `<li>${escapeHtml(m)}</li>`)
        .join('')}</ul></div>`;

  const successChart = svgBarChart({
    id: 'chart-success-rate',
    title: 'Success rate per env, object and run',
    max: 100,
    bars: report.runs.map((r) => ({
      label: `${r.env} · ${r.object} · ${r.runId}`,
      value: rate(r.loaded, r.rowsRead),
      text: formatRate(r.loaded, r.rowsRead),
      tone: tone(r.rowsRead === 0 ? 1 : r.loaded / r.rowsRead),
    })),
  });
  const codesChart = svgBarChart({
    id: 'chart-error-codes',
    title: 'Failures by error code',
    bars: report.errorCodes.map((e) => ({ label: e.code, value: e.count, text: num(e.count), tone: 'bad' })),
  });
  const columns = new Set(report.trend.map((p) => `${p.createdTime}\u0000${p.runId}`)).size;
  const runsChart = svgRunChart({
    id: 'chart-runs',
    title: `Success rate of the last ${report.history} runs per env and object`,
    labelEvery: Math.ceil(columns / LABELLED_RUNS),
    points: report.trend.map((p) => ({
      series: `${p.env} · ${p.object}`,
      x: `${time(p.createdTime).slice(5, 16)} ${p.runId}`,
      value: rate(p.success, p.success + p.failure),
      text: formatRate(p.success, p.success + p.failure),
    })),
  });

  const summaryRows = report.runs
    .map(
      (r) =>
        `<tr data-env="${escapeHtml(r.env)}" data-object="${escapeHtml(r.object)}" data-run="${escapeHtml(r.runId)}">` +
        `<td>${escapeHtml(r.env)}</td><td>${escapeHtml(r.object)}</td><td><code>${escapeHtml(r.runId)}</code></td>` +
        `<td>${escapeHtml(time(r.createdTime))}</td>` +
        `<td class="num">${num(r.rowsRead)}</td><td class="num">${num(r.loaded)}</td><td class="num">${num(r.failed)}</td>` +
        `<td class="num">${num(r.rejected)}</td><td class="num">${optional(r.retried)}</td>` +
        `<td class="num">${formatRate(r.loaded, r.rowsRead)}</td><td class="num">${optional(r.jobs)}</td>` +
        `<td class="num">${optional(r.seconds, (s) => `${s.toFixed(1)} s`)}</td>` +
        `<td>${r.errors
          .slice(0, 3)
          .map((e) => `<code>${escapeHtml(e.code)}</code> ${num(e.count)}`)
          .join('<br>')}</td></tr>`,
    )
    .join('\n');

  const sourceRows = report.runs
    .flatMap((r) =>
      r.sources.map(
        (s) =>
          `<tr><td>${escapeHtml(r.env)}</td><td>${escapeHtml(r.object)}</td><td><code>${escapeHtml(r.runId)}</code></td>` +
          `<td><code>${escapeHtml(s.uri)}</code></td><td class="num">${num(s.rowsRead)}</td><td class="num">${num(s.success)}</td>` +
          `<td class="num">${num(s.failure)}</td><td class="num">${num(s.rejected)}</td></tr>`,
      ),
    )
    .join('\n');
  const noManifest = report.runs.filter((r) => r.manifest === null);

  const shown =
    report.failures.length < report.failuresTotal
      ? `<p class="meta">A sample: ${num(report.failures.length)} of ${num(report.failuresTotal)} failed rows, a few per run and error code. ` +
        'All of them, as a CSV to fix and load again: <code>sfetl failures export --env &lt;env&gt; --object &lt;Object&gt; --run-id &lt;run id&gt; --out &lt;file&gt;</code>.</p>'
      : `<p class="meta">All ${num(report.failuresTotal)} failed rows.</p>`;

  return reportPage(
    'sfetl run report',
    `<h1>sfetl run report</h1>
<p class="meta">${escapeHtml(report.selection)} · generated ${escapeHtml(report.generatedAt)} · logs of the Glue database <code>${escapeHtml(report.database)}</code></p>
${status}
<h2>Per env, object and run</h2>
<table id="summary">
<thead><tr><th>env</th><th>object</th><th>run id</th><th>logged (UTC)</th><th>rows read</th><th>loaded</th><th>failed</th><th>rejected before upload</th><th>rows retried</th><th>success rate</th><th>jobs</th><th>time</th><th>top errors</th></tr></thead>
<tbody>
${summaryRows}
</tbody>
</table>
${noManifest.length > 0 ? `<p class="meta">No manifest (the run stopped before its end; retries, jobs and time unknown): ${noManifest.map((r) => escapeHtml(`${r.env} ${r.object} ${r.runId}`)).join(', ')}.</p>` : ''}
<h2>Success rate</h2>
${successChart}
<h2>Failures by error code</h2>
${report.errorCodes.length > 0 ? codesChart : '<p class="meta">No failed rows.</p>'}
<h2>Trend: the last ${report.history} runs</h2>
${runsChart}
<h2>Source files</h2>
<table id="sources">
<thead><tr><th>env</th><th>object</th><th>run id</th><th>file</th><th>rows read</th><th>loaded</th><th>failed</th><th>rejected before upload</th></tr></thead>
<tbody>
${sourceRows}
</tbody>
</table>
<h2>Failed rows</h2>
${shown}
${failureTableHtml(report.failures, 'key')}`,
  );
}
