import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients } from '../aws';
import { LocalLogQuery } from '../catalog';
import { ENV_NAMES, escapeUnprintable } from '../config';
import {
  buildDemoReport,
  DemoFailure,
  DemoLoad,
  DemoSources,
  EnvObjectCount,
  ErrorCount,
  generateSampleData,
  HiveCount,
  LogCount,
  renderReportHtml,
  SampleFile,
} from '../demo';
import { LoadRunResult, newRunId } from '../pipeline';
import { SalesforceApi } from '../salesforce';
import { parseCommandArgs, readCommandConfig } from './command-args';
import { formatDemoSummary, keepInstructions } from './demo-summary';
import { CliError, ExitCode } from './exit-codes';
import { failureRateAbove, prepareLoad, runPreparedLoad } from './load-command';
import { messages } from './messages';
import { publishLogs } from './publish-command';
import { startStack, StackDescription } from './stack-command';

/** What the demo command needs from outside; tests replace the streams and the environment. */
export interface DemoCommandDeps {
  readonly out: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
}

/** Defaults sized so that the whole demo takes one to three minutes on two cores (docs/demo.md). */
const DEFAULTS = { records: 1000, seed: 1, rowLockRate: 0.1, out: join('.sfetl', 'demo') } as const;
/** The object whose first load gets the burst of row locks: the one with the most rows. */
const ROW_LOCK_OBJECT = 'Contact';
const HIVE_DATABASE = 'sfetl';
/** Failed rows listed in the report (the newest first); the logs hold them all. */
const REPORT_FAILURES = 500;
/** Above this the external ids (6 digits) would run out. */
const MAX_RECORDS = 100_000;

/** `sfetl demo`: docs/demo.md. */
export async function demoCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  return runDemoCommand(argv, { out });
}

export async function runDemoCommand(argv: readonly string[], deps: DemoCommandDeps): Promise<number> {
  const err = deps.err ?? process.stderr;
  const env = deps.env ?? process.env;
  const args = parseCommandArgs('demo', argv, {
    'all-envs': { type: 'boolean' },
    records: { type: 'string' },
    seed: { type: 'string' },
    'row-lock-rate': { type: 'string' },
    out: { type: 'string' },
    master: { type: 'string' },
    keep: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (args.help) {
    deps.out.write(`${messages.demoUsage}\n`);
    return ExitCode.OK;
  }
  const records = wholeNumber('--records', args.records, DEFAULTS.records, 1, MAX_RECORDS);
  const seed = wholeNumber('--seed', args.seed, DEFAULTS.seed, 0, 2 ** 31 - 1);
  const rowLockRate = args['row-lock-rate'] === undefined ? DEFAULTS.rowLockRate : Number(args['row-lock-rate']);
  if (!(rowLockRate >= 0 && rowLockRate <= 1)) {
    throw new CliError(messages.badOption(messages.demoBadRate(args['row-lock-rate'] ?? ''), 'demo'));
  }
  const envs: readonly string[] = args['all-envs'] ? ENV_NAMES : ['dev'];
  const outDir = resolve(args.out ?? DEFAULTS.out);
  mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const step = (text: string) => err.write(`sfetl demo: ${text}\n`);

  // Ctrl-C: the loads running in this process stop at their next step (they listen too), then the stack stops.
  let interrupted = false;
  const onSignal = () => {
    if (!interrupted) step(messages.demoStopping);
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const checkpoint = () => {
    if (interrupted) throw new CliError(messages.demoInterrupted);
  };

  step(messages.demoStarting);
  const { parts, description } = await startStack(join(outDir, 'stack'));
  try {
    checkpoint();
    const config = await readCommandConfig(description.config, env);
    const aws = createAwsClients({ region: description.aws.region, endpoint: description.aws.endpoint, env });
    const objects = config.objects.map((o) => o.name);

    // 1. Sample data, one set per env, under demo/<env>/<Object>/run-<n>.csv in the source bucket.
    const files = new Map<string, SampleFile[]>();
    let prefix = '';
    for (const name of envs) {
      const data = generateSampleData({ seed, env: name, accounts: records });
      prefix = data.prefix;
      files.set(name, [...data.files]);
      for (const file of data.files) {
        await aws.s3.send(
          new PutObjectCommand({ Bucket: description.buckets.source, Key: sourceKey(name, file), Body: file.csv }),
        );
      }
    }
    const rowCount = [...files.values()].flat().reduce((n, f) => n + f.rows, 0);
    step(messages.demoGenerated(rowCount, envs, description.buckets.source));

    // 2. Two runs per env (the envs in parallel, each its own org), objects in load order.
    const loads: DemoLoad[] = [];
    await Promise.all(
      envs.map(async (name) => {
        for (const run of [1, 2]) {
          const runId = newRunId();
          for (const file of files.get(name)!.filter((f) => f.run === run)) {
            checkpoint();
            const lockRate = run === 1 && file.object === ROW_LOCK_OBJECT ? rowLockRate : 0;
            const load = await loadOne({ description, env: name, file, runId, run, lockRate, seed, processEnv: env });
            loads.push(load);
            step(messages.demoLoaded(load));
          }
        }
      }),
    );
    checkpoint();
    const runIds = [...new Set(loads.map((l) => l.runId))];

    // 3. Publish every object's logs as Hive tables on local Spark.
    step(messages.demoPublishing);
    const hiveDir = join(outDir, 'hive');
    // The job's progress lines are Spark's business here: the demo prints its own steps.
    const published = await publishLogs(
      { config: description.config, hiveDir, database: HIVE_DATABASE, master: args.master },
      { env, onLine: () => undefined },
    );
    const hiveCounts: HiveCount[] = published.tables.flatMap((t) =>
      t.counts.map((c) => ({ env: c.env, object: t.object, status: c.status, rows: c.rows })),
    );
    checkpoint();

    // 4. Read back the logs (DuckDB over the registered partitions) and the orgs (SOQL).
    step(messages.demoReading);
    const logs = await readLogs(aws, description.glueDatabase, objects, runIds);
    const orgRecords = await countOrgRecords(description, envs, config.objects, prefix);

    const sources: DemoSources = {
      generatedAt: new Date().toISOString(),
      seed,
      records,
      prefix,
      envs,
      objects,
      loads: sortLoads(loads, envs, objects),
      ...logs,
      orgRecords,
      hiveCounts,
      hiveDatabase: HIVE_DATABASE,
    };
    const report = buildDemoReport(sources);
    const summaryPath = join(outDir, 'summary.json');
    const reportPath = join(outDir, 'report.html');
    writeFileSync(summaryPath, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(reportPath, renderReportHtml(report));
    // The summary repeats error texts read back from the logs: their control characters stay off the terminal.
    const summary = formatDemoSummary(report, { reportPath, summaryPath, seconds: (Date.now() - started) / 1000 });
    deps.out.write(escapeUnprintable(summary, true));

    if (args.keep) {
      deps.out.write(keepInstructions(description, { envs, hiveDir, database: HIVE_DATABASE, prefix }));
      await new Promise<void>((resolveWait) => {
        const poll = setInterval(() => {
          if (!interrupted) return;
          clearInterval(poll);
          resolveWait();
        }, 200);
      });
    }
    if (report.mismatches.length > 0) {
      throw new CliError(messages.demoMismatch(report.mismatches.length, summaryPath), ExitCode.RECONCILIATION);
    }
    return ExitCode.OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await parts.stop();
    step(messages.demoStopped);
  }
}

function wholeNumber(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new CliError(messages.badOption(messages.demoBadNumber(flag, value, min, max), 'demo'));
  }
  return n;
}

const sourceKey = (env: string, file: SampleFile) => `demo/${env}/${file.object}/run-${file.run}.csv`;

/** Loads one file into one env as `sfetl load` does (in process, on the typed core), with the row-lock fault set. */
async function loadOne(props: {
  description: StackDescription;
  env: string;
  file: SampleFile;
  runId: string;
  run: number;
  lockRate: number;
  seed: number;
  processEnv: NodeJS.ProcessEnv;
}): Promise<DemoLoad> {
  const { description, env, file, runId } = props;
  const controlUrl = description.orgs[env]!.controlUrl;
  const prepared = await prepareLoad(
    {
      config: description.config,
      env,
      objects: [file.object],
      source: `s3://${description.buckets.source}/${sourceKey(env, file)}`,
      confirmEnv: env === 'prod' ? env : undefined,
    },
    props.processEnv,
  );
  let retriedRows = 0;
  // Each org its own (repeatable) choice of locked records.
  const faultSeed = (props.seed + 7919 * (Object.keys(description.orgs).indexOf(env) + 1)) % 2 ** 31;
  if (props.lockRate > 0) await setFaults(controlUrl, { rowLockRate: props.lockRate, seed: faultSeed });
  let result: LoadRunResult;
  try {
    result = await runPreparedLoad(prepared, {
      runId,
      emit: (event) => {
        if (event.type === 'rows-retried') retriedRows += event.rows;
      },
    });
  } finally {
    if (props.lockRate > 0) await setFaults(controlUrl, {});
  }
  return {
    env,
    object: file.object,
    run: props.run,
    runId,
    rowsRead: result.rowsRead,
    success: result.success,
    failure: result.failure,
    rejected: result.objects.reduce((n, o) => n + o.rejected, 0),
    retriedRows,
    rowLockRate: props.lockRate,
    // Too many failed rows is an outcome the demo reports, not a reason to stop.
    exitCode: failureRateAbove(prepared, result) ? ExitCode.FAILURE_RATE : ExitCode.OK,
    seconds: result.seconds,
  };
}

/** Switches an emulated org's faults (the emulator's control endpoint, docs/emulator.md). */
async function setFaults(controlUrl: string, faults: Record<string, number>): Promise<void> {
  const res = await fetch(`${controlUrl}/faults`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new CliError(messages.demoFaults(controlUrl, `${res.status} ${await res.text()}`));
}

function sortLoads(loads: readonly DemoLoad[], envs: readonly string[], objects: readonly string[]): DemoLoad[] {
  return [...loads].sort(
    (a, b) =>
      envs.indexOf(a.env) - envs.indexOf(b.env) ||
      a.run - b.run ||
      objects.indexOf(a.object) - objects.indexOf(b.object),
  );
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const toNumber = (v: unknown) => Number(v ?? 0);
/** The log view's columns that are not the row's own fields. */
const META_COLUMN = /^(sf__.*|status|run_id|env|created_time)$/;

/** Counts, distinct loaded keys, error codes and the newest failed rows of the demo's runs, from the log tables. */
async function readLogs(
  aws: ReturnType<typeof createAwsClients>,
  database: string,
  objects: readonly string[],
  runIds: readonly string[],
): Promise<Pick<DemoSources, 'logCounts' | 'logRecords' | 'logErrors' | 'failures' | 'failuresTotal'>> {
  const query = await LocalLogQuery.open({ glue: aws.glue, s3: aws.s3, database });
  const logCounts: LogCount[] = [];
  const logRecords: EnvObjectCount[] = [];
  const logErrors: ErrorCount[] = [];
  const failures: DemoFailure[] = [];
  try {
    const runs = `run_id IN (${runIds.map(sqlString).join(', ')})`;
    for (const object of objects.filter((o) => query.objects.includes(o))) {
      const table = `"${database}"."${object.toLowerCase()}"`;
      const key = object === 'Invoice__c' ? 'invoice_number__c' : 'ext_id__c';
      const counts = await query.query(
        `SELECT env, run_id, status, count(*) AS n, max(created_time) AS t FROM ${table} WHERE ${runs} GROUP BY env, run_id, status`,
      );
      for (const r of counts.rows) {
        logCounts.push({
          env: String(r.env),
          object,
          runId: String(r.run_id),
          status: r.status === 'success' ? 'success' : 'failure',
          rows: toNumber(r.n),
          createdTime: String(r.t),
        });
      }
      const keys = await query.query(
        `SELECT env, count(DISTINCT ${key}) AS n FROM ${table} WHERE ${runs} AND status = 'success' GROUP BY env`,
      );
      for (const r of keys.rows) logRecords.push({ env: String(r.env), object, count: toNumber(r.n) });
      const codes = await query.query(
        `SELECT env, split_part(sf__error, ':', 1) AS code, count(*) AS n FROM ${table} ` +
          `WHERE ${runs} AND status = 'failure' GROUP BY env, split_part(sf__error, ':', 1)`,
      );
      for (const r of codes.rows) {
        logErrors.push({ env: String(r.env), object, code: String(r.code), count: toNumber(r.n) });
      }
      const failed = await query.query(
        `SELECT * FROM ${table} WHERE ${runs} AND status = 'failure' ORDER BY created_time DESC, env, ${key} LIMIT ${REPORT_FAILURES}`,
      );
      for (const r of failed.rows) {
        const error = String(r.sf__error ?? '');
        // fromEntries: each column an own key whatever its name (an assigned `__proto__` would be lost).
        const fields = Object.fromEntries(
          failed.columns
            .filter((column) => !META_COLUMN.test(column) && r[column] !== null && r[column] !== '')
            .map((column) => [column, String(r[column])]),
        );
        failures.push({
          env: String(r.env),
          object,
          runId: String(r.run_id),
          key: String(r[key] ?? ''),
          code: error.split(':')[0] ?? '',
          error,
          fields,
        });
      }
    }
  } finally {
    await query.close();
  }
  failures.sort((a, b) => b.runId.localeCompare(a.runId) || a.env.localeCompare(b.env) || a.key.localeCompare(b.key));
  const failuresTotal = logCounts.filter((c) => c.status === 'failure').reduce((n, c) => n + c.rows, 0);
  return { logCounts, logRecords, logErrors, failures: failures.slice(0, REPORT_FAILURES), failuresTotal };
}

/** The demo's records in each org: SOQL COUNT() over the external ids it generated. */
async function countOrgRecords(
  description: StackDescription,
  envs: readonly string[],
  objects: readonly { name: string; externalIdField?: string }[],
  prefix: string,
): Promise<EnvObjectCount[]> {
  const counts: EnvObjectCount[] = [];
  for (const env of envs) {
    const org = description.orgs[env]!;
    const api = new SalesforceApi({
      instanceUrl: org.instanceUrl,
      loginUrl: org.loginUrl,
      apiVersion: '66.0',
      credentials: { type: 'client_credentials', clientId: org.clientId, clientSecret: org.clientSecret },
    });
    for (const object of objects) {
      const key = object.externalIdField ?? 'Ext_Id__c';
      const like = `'${`${prefix}%`.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      const result = await api.query(`SELECT COUNT() FROM ${object.name} WHERE ${key} LIKE ${like}`);
      counts.push({ env, object: object.name, count: result.totalSize });
    }
  }
  return counts;
}
