import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { localEmulatorCredentials } from '../aws';
import { escapeUnprintable, printableJson } from '../config';
import { parseCommandArgs, readCommandConfig } from './command-args';
import { CliError, ExitCode } from './exit-codes';
import { messages } from './messages';

/** The project root: two levels above this file, in `src/cli` as in the compiled `lib/cli`. */
const ROOT = resolve(__dirname, '..', '..');
const JOB = join(ROOT, 'emr', 'log_to_hive.py');
const JARS_SCRIPT = join(ROOT, 'build-tools', 'setup-spark-jars.sh');
const JARS = ['hadoop-aws-3.3.4.jar', 'aws-java-sdk-bundle-1.12.262.jar'].map((j) => join(ROOT, '.sfetl', 'jars', j));
/** What the job prints before its own lines on stderr; everything else there is Spark's. */
const JOB_LINE = 'log_to_hive: ';

/** One table in the job's report (emr/log_to_hive.py, `TableReport.to_json`). */
export interface PublishedTable {
  readonly object: string;
  readonly table: string;
  readonly created: boolean;
  readonly columnsAdded: readonly string[];
  readonly partitionsWritten: number;
  readonly partitionsDropped: number;
  /** Partitions whose rows were counted after the write (incremental: the written and the changed ones). */
  readonly partitionsCounted?: number;
  readonly rowsWritten: number;
  readonly counts: readonly { env: string; status: string; rows: number }[];
  readonly seconds: number;
  /** Seconds per step: inspect, footers, ddl, write, drop, count, state. */
  readonly steps: Readonly<Record<string, number>>;
  /** An incremental publish that the state's trust rules widened to full (docs/publish.md#modes). */
  readonly widenedToFull?: boolean;
}

/** The job's report: one JSON line on its stdout, and the file `--report-file` names. */
export interface PublishReport {
  readonly logs: string;
  readonly database: string;
  readonly mode: 'full' | 'incremental';
  readonly tables: readonly PublishedTable[];
  readonly missing: readonly string[];
  readonly seconds: number;
}

/** What the publish command needs from outside; tests replace the streams and the environment. */
export interface PublishCommandDeps {
  readonly out: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
}

/** `sfetl publish`: DESIGN.md §2.4, docs/publish.md. */
export async function publishCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  return runPublishCommand(argv, { out });
}

export async function runPublishCommand(argv: readonly string[], deps: PublishCommandDeps): Promise<number> {
  const err = deps.err ?? process.stderr;
  const env = deps.env ?? process.env;
  const args = parseCommandArgs('publish', argv, {
    config: { type: 'string' },
    logs: { type: 'string' },
    mode: { type: 'string' },
    object: { type: 'string', multiple: true },
    database: { type: 'string' },
    'hive-dir': { type: 'string' },
    master: { type: 'string' },
    output: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (args.help) {
    deps.out.write(`${messages.publishUsage}\n`);
    return ExitCode.OK;
  }
  const mode = args.mode ?? 'full';
  if (mode !== 'full' && mode !== 'incremental') {
    throw new CliError(messages.badOption(messages.publishBadMode(mode), 'publish'));
  }
  if (args.output !== undefined && args.output !== 'text' && args.output !== 'json') {
    throw new CliError(messages.badOption(messages.publishBadOutput(args.output), 'publish'));
  }
  const json = args.output === 'json';
  const report = await publishLogs(
    {
      config: args.config ?? env.SFETL_CONFIG,
      logs: args.logs,
      mode,
      objects: args.object,
      database: args.database,
      hiveDir: args['hive-dir'],
      master: args.master,
    },
    {
      env,
      // The job's lines name tables and columns from the logs: shown with their control characters escaped.
      onLine: (line) => err.write(`sfetl publish: ${escapeUnprintable(line)}\n`),
    },
  );
  deps.out.write(json ? `${printableJson({ event: 'publish-finished', ...report })}\n` : formatReport(report));
  return ExitCode.OK;
}

/** What one publish is asked to do, as `sfetl publish`'s flags say it. */
export interface PublishRequest {
  /** The configuration (path or s3:// URI): its log bucket and AWS endpoint. @default none */
  readonly config?: string;
  /** Where the logs are; overrides the configured log bucket. @default the configuration's */
  readonly logs?: string;
  /** @default 'full' */
  readonly mode?: 'full' | 'incremental';
  /** Only these objects. @default every object in the logs */
  readonly objects?: readonly string[];
  /** The Hive database. @default 'sfetl' */
  readonly database?: string;
  /** Local Hive's warehouse and metastore. @default .sfetl/hive */
  readonly hiveDir?: string;
  /** Spark's master. @default the job's (local[*]) */
  readonly master?: string;
}

/** What publishing needs from outside. */
export interface PublishSeams {
  readonly env: NodeJS.ProcessEnv;
  /** Each of the job's own progress lines (without its prefix). */
  readonly onLine: (line: string) => void;
}

/**
 * Publishes the logs as one Hive table per object on local Spark (emr/log_to_hive.py, docs/publish.md); returns
 * the job's report. Each problem an operator can fix is a CliError.
 */
export async function publishLogs(request: PublishRequest, seams: PublishSeams): Promise<PublishReport> {
  const env = seams.env;
  const mode = request.mode ?? 'full';
  const database = request.database ?? 'sfetl';
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new CliError(messages.badDatabase(database));

  // Where the logs are: --logs, else the configured log bucket (the stack's config names moto's endpoint).
  const configLocation = request.config;
  let logs = request.logs;
  let endpoint: string | undefined;
  if (configLocation !== undefined) {
    const config = await readCommandConfig(configLocation, env);
    logs ??= `s3://${config.logs.bucket}/${config.logs.prefix}`;
    endpoint = config.aws.endpoint;
  }
  if (logs === undefined) throw new CliError(messages.publishNeedsLogs);
  const onS3 = /^s3a?:\/\//.test(logs);
  // Local Spark reads S3 through S3A; s3:// is mapped to it too, but s3a:// says what runs.
  const root = onS3 ? logs.replace(/^s3:\/\//, 's3a://') : isAbsolute(logs) ? logs : resolve(logs);

  const python = join(env.SFETL_VENV ?? join(ROOT, '.venv'), 'bin', 'python');
  if (!existsSync(python)) throw new CliError(messages.publishNoVenv(python));
  if (onS3) ensureJars(env);
  const hiveDir = resolve(request.hiveDir ?? join('.sfetl', 'hive'));
  mkdirSync(hiveDir, { recursive: true });
  const sparkLog = join(hiveDir, 'publish.log');
  // The report comes back in a file: Java may print on the same stdout as Python.
  const reportFile = join(hiveDir, 'publish-report.json');
  rmSync(reportFile, { force: true });

  const jobArgs = [JOB, '--logs', root, '--database', database, '--mode', mode, '--local-hive-dir', hiveDir];
  jobArgs.push('--report-file', reportFile);
  for (const object of request.objects ?? []) jobArgs.push('--object', object);
  if (request.master !== undefined) jobArgs.push('--master', request.master);
  if (onS3) jobArgs.push('--jars', JARS.join(','));
  if (onS3 && endpoint !== undefined) jobArgs.push('--s3-endpoint', endpoint);
  const childEnv: NodeJS.ProcessEnv = { ...env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
  const pinned = localEmulatorCredentials(endpoint, env);
  if (pinned) {
    childEnv.AWS_ACCESS_KEY_ID = pinned.accessKeyId;
    childEnv.AWS_SECRET_ACCESS_KEY = pinned.secretAccessKey;
  }

  const result = await runJob(python, jobArgs, childEnv, sparkLog, (line) => {
    if (!line.startsWith(`${JOB_LINE}error: `)) seams.onLine(line.slice(JOB_LINE.length));
  });
  if (result.code !== 0 || !existsSync(reportFile)) throw new CliError(failureMessage(result, hiveDir, sparkLog));
  return JSON.parse(readFileSync(reportFile, 'utf8')) as PublishReport;
}

/** Fetches hadoop-aws and its SDK bundle once (the project's set-up script; it returns at once afterwards). */
function ensureJars(env: NodeJS.ProcessEnv): void {
  const done = spawnSync('bash', [JARS_SCRIPT], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (done.status !== 0) {
    const last = (done.stderr?.toString() ?? '').trim().split('\n').pop() ?? '';
    throw new CliError(messages.publishNoJars(last || String(done.error ?? done.status)));
  }
}

interface JobResult {
  readonly code: number | null;
  /** The job's own error line, without its prefix. */
  readonly error?: string;
  /** The last line of Spark's output that looks like an error, for a job that died before its own line. */
  readonly lastProblem?: string;
  readonly derbyBusy: boolean;
  readonly noJava: boolean;
}

/** Runs the job; its own stderr lines go to `onLine`, everything it prints lands in `sparkLog`. */
function runJob(
  python: string,
  jobArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  sparkLog: string,
  onLine: (line: string) => void,
): Promise<JobResult> {
  const child = spawn(python, [...jobArgs], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(sparkLog);
  let error: string | undefined;
  let lastProblem: string | undefined;
  let derbyBusy = false;
  let noJava = false;
  const stdoutDone = new Promise<void>((done) =>
    createInterface({ input: child.stdout })
      .on('line', (line) => log.write(`${line}\n`))
      .on('close', done),
  );
  const stderrDone = new Promise<void>((done) =>
    createInterface({ input: child.stderr })
      .on('line', (line) => {
        log.write(`${line}\n`);
        if (line.startsWith(JOB_LINE)) {
          onLine(line);
          if (line.startsWith(`${JOB_LINE}error: `)) error = line.slice(`${JOB_LINE}error: `.length);
        } else if (/Another instance of Derby may have already booted/.test(line)) {
          derbyBusy = true;
        } else if (/JAVA_HOME is not set|Java gateway process exited/.test(line)) {
          noJava = true;
        } else if (/^\S*(Exception|Error)\b|^\w+(\.\w+)+(Exception|Error):/.test(line)) {
          lastProblem = line.trim();
        }
      })
      .on('close', done),
  );
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => {
      void Promise.all([stdoutDone, stderrDone]).then(() =>
        log.end(() => done({ code, error, lastProblem, derbyBusy, noJava })),
      );
    });
  });
}

function failureMessage(result: JobResult, hiveDir: string, sparkLog: string): string {
  if (result.error !== undefined) return messages.publishFailed(result.error);
  if (result.derbyBusy) return messages.publishMetastoreBusy(hiveDir);
  if (result.noJava) return messages.publishNoJava;
  return messages.publishCrashed(result.code, result.lastProblem, sparkLog);
}

const ENV_ORDER = ['dev', 'qa', 'uat', 'prod'];
const envRank = (env: string) => (ENV_ORDER.includes(env) ? ENV_ORDER.indexOf(env) : ENV_ORDER.length);

/** The tables with their rows by env and status, for a person. */
export function formatReport(report: PublishReport): string {
  const lines = [
    `published ${report.tables.length} table(s) into ${report.database} (${report.mode}) from ${report.logs} in ${report.seconds.toFixed(1)} s`,
  ];
  for (const name of report.missing) lines.push(`  ${name}: no logs, nothing published`);
  for (const t of report.tables) {
    const changes = [
      t.created ? 'created' : undefined,
      t.widenedToFull === true ? 'widened to full (its state did not match the table)' : undefined,
      `${t.partitionsWritten} partition(s) written`,
      `${t.partitionsDropped} dropped`,
      t.columnsAdded.length > 0 ? `new columns ${t.columnsAdded.join(', ')}` : undefined,
    ].filter((c) => c !== undefined);
    lines.push(`  ${t.table}: ${changes.join(', ')}`);
  }
  const rows: string[][] = [['table', 'env', 'success', 'failure']];
  for (const t of report.tables) {
    const envs = [...new Set(t.counts.map((c) => c.env))].sort((a, b) => envRank(a) - envRank(b) || a.localeCompare(b));
    for (const env of envs) {
      const count = (status: string) => t.counts.find((c) => c.env === env && c.status === status)?.rows ?? 0;
      rows.push([t.table, env, String(count('success')), String(count('failure'))]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) {
    lines.push(row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  }
  return lines.map((line) => `${escapeUnprintable(line)}\n`).join('');
}
