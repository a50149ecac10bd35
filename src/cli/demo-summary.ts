import { DemoReport } from '../demo';
import { formatRate } from '../report';
import { messages } from './messages';
import { StackDescription } from './stack-command';

/** Left-aligns the first `textColumns` columns, right-aligns the others. */
function table(rows: readonly (readonly string[])[], textColumns: number): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((row) =>
    row
      .map((c, i) => (i < textColumns || i === row.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * What `sfetl demo` prints: per env and object the rows, successes, failures and top errors; the row-lock
 * burst; the same numbers from the logs, the orgs and Hive; and where the report is.
 */
export function formatDemoSummary(
  report: DemoReport,
  where: { readonly reportPath: string; readonly summaryPath: string; readonly seconds: number },
): string {
  const lines: string[] = [''];
  lines.push(messages.demoHeading(report.seed, report.records, report.envs, where.seconds));
  lines.push('');
  lines.push(
    ...table(
      [
        ['env', 'object', 'rows', 'successes', 'failures', 'success', 'top errors'],
        ...report.cells.map((c) => [
          c.env,
          c.object,
          String(c.load.rows),
          String(c.load.success),
          String(c.load.failure),
          formatRate(c.load.success, c.load.rows),
          c.topErrors.map((e) => `${e.code} ${e.count}`).join(', ') || '-',
        ]),
      ],
      2,
    ),
  );
  lines.push('');
  for (const l of report.loads.filter((x) => x.rowLockRate > 0)) {
    const cell = report.cells.find((c) => c.env === l.env && c.object === l.object);
    const locked = cell?.errors.find((e) => e.code === 'UNABLE_TO_LOCK_ROW')?.count ?? 0;
    lines.push(messages.demoRowLocks(l.env, l.object, l.run, l.rowLockRate, l.retriedRows, locked));
  }
  lines.push('');
  lines.push(messages.demoSourcesHeading);
  lines.push(
    ...table(
      [
        ['env', 'object', 'load s/f', 'logs s/f', 'loaded records (logs)', 'records in org', 'Hive s/f', 'agree'],
        ...report.cells.map((c) => [
          c.env,
          c.object,
          `${c.load.success}/${c.load.failure}`,
          `${c.logs.success}/${c.logs.failure}`,
          String(c.logs.records),
          String(c.org.records),
          `${c.hive.success}/${c.hive.failure}`,
          c.agrees ? 'yes' : 'NO',
        ]),
      ],
      2,
    ),
  );
  lines.push('');
  if (report.mismatches.length === 0) lines.push(messages.demoAgree(report.hiveDatabase));
  else lines.push(...report.mismatches.map((m) => `  mismatch: ${m}`));
  lines.push(messages.demoReport(where.reportPath));
  lines.push(messages.demoSummaryJson(where.summaryPath));
  return `${lines.join('\n')}\n`;
}

/** What `--keep` prints: the stack as `sfetl stack` describes it and commands to explore it. */
export function keepInstructions(
  description: StackDescription,
  props: {
    readonly envs: readonly string[];
    readonly hiveDir: string;
    readonly database: string;
    readonly prefix: string;
  },
): string {
  const env = props.envs[0]!;
  const config = description.config;
  const source = `s3://${description.buckets.source}/demo/${env}/Contact/run-2.csv`;
  const commands = [
    `npx sfetl load --config ${config} --env ${env} --object Contact --source ${source} --force`,
    `npx sfetl logs query --config ${config} --named failure-rate`,
    `npx sfetl logs query --config ${config} "SELECT env, run_id, status, count(*) AS n FROM contact GROUP BY ALL ORDER BY ALL"`,
    `npx sfetl publish --config ${config} --hive-dir ${props.hiveDir} --database ${props.database}`,
  ];
  return `${[
    '',
    messages.demoKeeping,
    JSON.stringify(description),
    messages.demoKeepConfig(config),
    messages.demoKeepTry,
    ...commands.map((c) => `  ${c}`),
    messages.demoKeepStop,
  ].join('\n')}\n`;
}
