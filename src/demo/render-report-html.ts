import { DemoReport } from './demo-report';
import { escapeHtml, failureTableHtml, formatRate, reportPage, svgBarChart, svgRunChart } from '../report/report-look';

const num = (n: number) => n.toLocaleString('en-US');
/** yyyyMMddHHmmss → yyyy-MM-dd HH:mm:ss (UTC). */
const time = (t: string) =>
  /^\d{14}$/.test(t)
    ? `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12)}`
    : t;
const tone = (rate: number) => (rate >= 0.98 ? 'ok' : rate >= 0.95 ? 'warn' : 'bad');

/**
 * The demo's report as one self-contained HTML file: inline CSS, charts drawn as inline SVG here (no script,
 * no network), and every value from the data escaped.
 */
export function renderReportHtml(report: DemoReport): string {
  const ok = report.mismatches.length === 0;
  const status = ok
    ? `<div class="status ok" id="reconciliation">The loads' summaries, the logs, the orgs and Hive agree on every number below.</div>`
    : `<div class="status bad" id="reconciliation"><strong>The sources disagree:</strong><ul>${report.mismatches
        .map((m) => `<li>${escapeHtml(m)}</li>`)
        .join('')}</ul></div>`;

  const successChart = svgBarChart({
    id: 'chart-success-rate',
    title: 'Success rate per env and object',
    max: 100,
    bars: report.cells.map((c) => {
      const rows = c.logs.success + c.logs.failure;
      return {
        label: `${c.env} · ${c.object}`,
        value: rows === 0 ? 0 : (100 * c.logs.success) / rows,
        text: formatRate(c.logs.success, rows),
        tone: tone(rows === 0 ? 1 : c.logs.success / rows),
      };
    }),
  });
  const codesChart = svgBarChart({
    id: 'chart-error-codes',
    title: 'Failures by error code',
    bars: report.errorCodes.map((e) => ({ label: e.code, value: e.count, text: num(e.count), tone: 'bad' })),
  });
  const runsChart = svgRunChart({
    id: 'chart-runs',
    title: 'Success rate of each run over time',
    points: report.runs.map((r) => ({
      series: r.env,
      x: `run ${r.run} · ${time(r.createdTime).slice(11)}`,
      value: r.rows === 0 ? 0 : (100 * r.success) / r.rows,
      text: formatRate(r.success, r.rows),
    })),
  });

  const summaryRows = report.cells
    .map(
      (c) =>
        `<tr data-env="${escapeHtml(c.env)}" data-object="${escapeHtml(c.object)}"><td>${escapeHtml(c.env)}</td><td>${escapeHtml(c.object)}</td>` +
        `<td class="num">${num(c.load.rows)}</td><td class="num">${num(c.logs.success)}</td><td class="num">${num(c.logs.failure)}</td>` +
        `<td class="num">${formatRate(c.logs.success, c.logs.success + c.logs.failure)}</td>` +
        `<td class="num">${num(c.org.records)}</td><td class="num">${num(c.hive.success)} / ${num(c.hive.failure)}</td>` +
        `<td>${c.topErrors.map((e) => `<code>${escapeHtml(e.code)}</code> ${num(e.count)}`).join('<br>')}</td>` +
        `<td class="${c.agrees ? 'agree' : 'disagree'}">${c.agrees ? 'yes' : 'NO'}</td></tr>`,
    )
    .join('\n');

  const loadRows = report.loads
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.env)}</td><td>${escapeHtml(l.object)}</td><td>${l.run}</td><td><code>${escapeHtml(l.runId)}</code></td>` +
        `<td class="num">${num(l.rowsRead)}</td><td class="num">${num(l.success)}</td><td class="num">${num(l.failure)}</td>` +
        `<td class="num">${num(l.rejected)}</td><td class="num">${l.rowLockRate > 0 ? `${Math.round(100 * l.rowLockRate)}%` : '–'}</td>` +
        `<td class="num">${num(l.retriedRows)}</td><td class="num">${l.exitCode}</td><td class="num">${l.seconds.toFixed(1)} s</td></tr>`,
    )
    .join('\n');

  const shown =
    report.failures.length < report.failuresTotal
      ? `<p class="meta">The ${num(report.failures.length)} most recent of ${num(report.failuresTotal)} failed rows; the logs hold them all.</p>`
      : `<p class="meta">All ${num(report.failuresTotal)} failed rows.</p>`;

  return reportPage(
    'sfetl demo report',
    `<h1>sfetl demo report</h1>
<p class="meta">Generated ${escapeHtml(report.generatedAt)} · seed ${report.seed} · ${num(report.records)} Accounts per env in the first file · envs ${escapeHtml(report.envs.join(', '))} · external ids start with <code>${escapeHtml(report.prefix)}</code> · Hive database <code>${escapeHtml(report.hiveDatabase)}</code></p>
${status}
<h2>Per env and object</h2>
<table id="summary">
<thead><tr><th>env</th><th>object</th><th>rows</th><th>successes</th><th>failures</th><th>success rate</th><th>records in org</th><th>Hive success / failure</th><th>top errors</th><th>sources agree</th></tr></thead>
<tbody>
${summaryRows}
</tbody>
</table>
<h2>Success rate per env and object</h2>
${successChart}
<h2>Failures by error code</h2>
${report.errorCodes.length > 0 ? codesChart : '<p class="meta">No failed rows.</p>'}
<h2>Runs over time</h2>
${runsChart}
<h2>Loads</h2>
<table id="loads">
<thead><tr><th>env</th><th>object</th><th>run</th><th>run id</th><th>rows</th><th>successes</th><th>failures</th><th>rejected before upload</th><th>row-lock rate</th><th>rows retried</th><th>exit</th><th>time</th></tr></thead>
<tbody>
${loadRows}
</tbody>
</table>
<h2>Failed rows</h2>
${shown}
${failureTableHtml(report.failures, 'external id')}`,
  );
}
