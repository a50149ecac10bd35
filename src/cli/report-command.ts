import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../aws';
import { LocalLogQueryError } from '../catalog';
import { printableJson, SfetlConfig } from '../config';
import { buildRunReport, NoMatchingRunsError, renderRunReportHtml, RunSelection } from '../report';
import { awsRequestError, parseCommandArgs, readCommandConfig } from './command-args';
import { CliError, ExitCode } from './exit-codes';
import { messages } from './messages';
import { deliverFile } from './output-location';

/** What the report command needs from outside; tests replace the stream, the environment and the clock. */
export interface ReportCommandDeps {
  readonly out: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: () => Date;
}

/** What `sfetl report` (and `sfetl load --report`) wrote. */
export interface WrittenReport {
  readonly location: string;
  readonly bytes: number;
  readonly runs: number;
  readonly failed: number;
  readonly seconds: number;
}

/** `sfetl report`: one HTML report of runs from their logs and manifests (docs/operations.md). */
export async function reportCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  return runReportCommand(argv, { out });
}

export async function runReportCommand(argv: readonly string[], deps: ReportCommandDeps): Promise<number> {
  const env = deps.env ?? process.env;
  const args = parseCommandArgs('report', argv, {
    config: { type: 'string' },
    out: { type: 'string' },
    'run-id': { type: 'string' },
    env: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    history: { type: 'string' },
    output: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (args.help) {
    deps.out.write(`${messages.reportUsage}\n`);
    return ExitCode.OK;
  }
  const output = args.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new CliError(messages.badOutput('report', output));
  if (args.out === undefined) throw new CliError(messages.needsOut('report'));
  const history = args.history === undefined ? undefined : Number(args.history);
  if (history !== undefined && !(Number.isInteger(history) && history >= 1 && history <= 1000)) {
    throw new CliError(messages.reportBadHistory(args.history!));
  }
  const configLocation = args.config ?? env.SFETL_CONFIG;
  if (!configLocation) throw new CliError(messages.noConfig);
  const config = await readCommandConfig(configLocation, env);
  const written = await writeRunReport(config, {
    selection: {
      runId: args['run-id'],
      env: args.env,
      since: timeOf('--since', args.since),
      until: timeOf('--until', args.until, true),
    },
    history,
    out: args.out,
    env,
    clock: deps.clock,
  });
  deps.out.write(
    output === 'json'
      ? `${printableJson({ event: 'report', ...written })}\n`
      : `${messages.reportWritten(written.location, written.runs, written.failed)}\n`,
  );
  return ExitCode.OK;
}

/** Builds the report of some runs and writes it to a file or S3; errors become one-line CLI errors. */
export async function writeRunReport(
  config: SfetlConfig,
  options: {
    readonly selection: RunSelection;
    readonly out: string;
    readonly history?: number;
    readonly env?: NodeJS.ProcessEnv;
    readonly clock?: () => Date;
  },
): Promise<WrittenReport> {
  const started = Date.now();
  const aws = createAwsClients({ region: config.aws.region, endpoint: config.aws.endpoint, env: options.env });
  const dir = await mkdtemp(join(tmpdir(), 'sfetl-report-'));
  try {
    let report;
    try {
      report = await buildRunReport({
        glue: aws.glue,
        s3: aws.s3,
        database: config.logs.glueDatabase,
        bucket: config.logs.bucket,
        statePrefix: config.logs.statePrefix,
        objects: config.objects,
        selection: options.selection,
        history: options.history,
        clock: options.clock,
      });
    } catch (e) {
      if (e instanceof NoMatchingRunsError) throw new CliError(messages.noMatchingRuns(e.message));
      if (e instanceof LocalLogQueryError) throw new CliError(e.message);
      throw awsRequestError(e, config.aws, 'reading the logs') ?? e;
    }
    const file = join(dir, 'report.html');
    await writeFile(file, renderRunReportHtml(report));
    const location = await deliverFile(file, options.out, 'text/html; charset=utf-8', () => aws.s3);
    return {
      location,
      bytes: (await stat(file)).size,
      runs: report.runs.length,
      failed: report.failuresTotal,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An ISO 8601 time; a bare date as --until means the end of that day (UTC). */
function timeOf(flag: string, value: string | undefined, endOfDay = false): Date | undefined {
  if (value === undefined) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const parsed = new Date(dateOnly ? `${value}T${endOfDay ? '23:59:59' : '00:00:00'}Z` : value);
  if (Number.isNaN(parsed.getTime())) throw new CliError(messages.reportBadTime(flag, value));
  return parsed;
}
