import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import {
  formatCreatedTime,
  listLogPartitions,
  LocalLogQuery,
  LogPartitionRef,
  LogQueryValue,
  StateLayout,
} from '../catalog';
import { ObjectConfig } from '../config';
import { formatS3Uri, getJsonObject } from '../s3';
import { ReportFailure, ReportObjectRun, ReportSource, ReportTrendPoint, RunReport } from './run-report';

/** Which runs a report is about. */
export interface RunSelection {
  /** Only this run id. */
  readonly runId?: string;
  /** Only this env. */
  readonly env?: string;
  /** Runs whose logs were created at or after this time. */
  readonly since?: Date;
  /** Runs whose logs were created at or before this time. */
  readonly until?: Date;
}

export interface BuildRunReportProps {
  readonly glue: GlueClient;
  readonly s3: S3Client;
  /** The Glue log database (config.logs.glueDatabase). */
  readonly database: string;
  /** The log bucket, where the manifests are. */
  readonly bucket: string;
  /** The runner's state prefix (config.logs.statePrefix). */
  readonly statePrefix: string;
  /** The configured objects: their external id fields name the rows of the failure sample. @default none */
  readonly objects?: readonly ObjectConfig[];
  readonly selection: RunSelection;
  /** Latest runs per env and object in the trend chart. @default 20 */
  readonly history?: number;
  /** Failed rows shown per run, object and error code. @default 5 */
  readonly samplePerCode?: number;
  /** Failed rows shown in all. @default 200 */
  readonly sampleLimit?: number;
  readonly clock?: () => Date;
}

/** No registered run matches the selection; the message says what was looked for. */
export class NoMatchingRunsError extends Error {
  constructor(
    readonly selection: string,
    readonly database: string,
  ) {
    super(`no run in the Glue database ${database} matches ${selection}`);
    this.name = 'NoMatchingRunsError';
  }
}

/** The fields of a manifest (src/pipeline/load-run.ts) a report reads; every one may be missing. */
interface Manifest {
  readonly rowsRead?: number;
  readonly success?: number;
  readonly failure?: number;
  readonly seconds?: number;
  readonly jobs?: readonly { readonly retried?: number }[];
  readonly sources?: readonly Partial<ReportSource>[];
}

const DEFAULT_HISTORY = 20;
const DEFAULT_SAMPLE_PER_CODE = 5;
const DEFAULT_SAMPLE_LIMIT = 200;
/** Codes of rows the loader rejected before upload (DESIGN.md §2.1). */
const REJECT_CODE_PREFIX = 'SFETL_';
const SF_COLUMNS = new Set(['sf__id', 'sf__created', 'sf__error', 'sf__jobid']);
const PARTITION_COLUMNS = new Set(['status', 'run_id', 'env', 'created_time']);

const runKey = (env: string, runId: string) => `${env}\u0000${runId}`;
const objectRunKey = (env: string, object: string, runId: string) => `${env}\u0000${object}\u0000${runId}`;

/**
 * The model of `sfetl report`: chooses the runs from the registered Glue partitions (metadata only), copies
 * only those partitions and the history's, lets DuckDB count them (rows, outcomes, error codes, a few example
 * rows per code), and adds what only the runs' manifests know (retries, jobs, time, source files).
 */
export async function buildRunReport(props: BuildRunReportProps): Promise<RunReport> {
  const history = props.history ?? DEFAULT_HISTORY;
  const partitions = await listLogPartitions({ glue: props.glue, database: props.database });
  const selectionText = describeSelection(props.selection);
  const chosen = chooseRuns(partitions, props.selection);
  if (chosen.size === 0) throw new NoMatchingRunsError(selectionText, props.database);
  const trendRuns = historyRuns(partitions, chosen, history, props.selection.until);
  const keep = (p: LogPartitionRef) =>
    chosen.has(runKey(p.env, p.runId)) || trendRuns.has(objectRunKey(p.env, p.object, p.runId));

  const logs = await LocalLogQuery.open({ glue: props.glue, s3: props.s3, database: props.database, partitions: keep });
  try {
    const objects = [...new Set(partitions.filter(keep).map((p) => p.object))].sort();
    const tableOf = new Map(partitions.map((p) => [p.object, p.table]));
    const chosenWhere = [...chosen.values()]
      .map(({ env, runId }) => `(env = ${literal(env)} AND run_id = ${literal(runId)})`)
      .join(' OR ');
    const runs: ReportObjectRun[] = [];
    const trend: ReportTrendPoint[] = [];
    const failures: ReportFailure[] = [];
    let failuresTotal = 0;
    const mismatches: string[] = [];
    for (const object of objects) {
      const table = `${identifier(props.database)}.${identifier(tableOf.get(object)!)}`;
      const counts = await logs.query(
        `SELECT env, run_id, status, CASE WHEN status = 'failure' THEN split_part(sf__error, ':', 1) ELSE '' END AS code,
           count(*) AS n, max(created_time) AS created_time
         FROM ${table} WHERE ${chosenWhere} GROUP BY ALL`,
      );
      const byRun = new Map<
        string,
        { env: string; runId: string; createdTime: string; success: number; codes: Map<string, number> }
      >();
      for (const row of counts.rows) {
        const key = runKey(text(row.env), text(row.run_id));
        const entry = byRun.get(key) ?? {
          env: text(row.env),
          runId: text(row.run_id),
          createdTime: '',
          success: 0,
          codes: new Map<string, number>(),
        };
        if (text(row.created_time) > entry.createdTime) entry.createdTime = text(row.created_time);
        if (row.status === 'success') entry.success += count(row.n);
        else entry.codes.set(text(row.code), (entry.codes.get(text(row.code)) ?? 0) + count(row.n));
        byRun.set(key, entry);
      }
      for (const entry of byRun.values()) {
        const errors = [...entry.codes]
          .map(([code, n]) => ({ code, count: n }))
          .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
        const failed = errors.reduce((n, e) => n + e.count, 0);
        const rejected = errors.filter((e) => e.code.startsWith(REJECT_CODE_PREFIX)).reduce((n, e) => n + e.count, 0);
        const manifestKey = new StateLayout(props.statePrefix).manifest(entry.runId, entry.env, object);
        const manifest = await getJsonObject<Manifest>(props.s3, props.bucket, manifestKey);
        if (manifest !== undefined) {
          const where = `${entry.env} ${object} run ${entry.runId}`;
          if (manifest.success !== undefined && manifest.success !== entry.success) {
            mismatches.push(`${where}: the manifest counts ${manifest.success} successes, the logs ${entry.success}`);
          }
          if (manifest.failure !== undefined && manifest.failure !== failed) {
            mismatches.push(`${where}: the manifest counts ${manifest.failure} failures, the logs ${failed}`);
          }
        }
        runs.push({
          env: entry.env,
          object,
          runId: entry.runId,
          createdTime: entry.createdTime,
          rowsRead: entry.success + failed,
          loaded: entry.success,
          failed,
          rejected,
          retried: manifest?.jobs ? manifest.jobs.reduce((n, j) => n + (j.retried ?? 0), 0) : null,
          jobs: manifest?.jobs ? manifest.jobs.length : null,
          seconds: manifest?.seconds ?? null,
          errors,
          sources: (manifest?.sources ?? []).map((s) => ({
            uri: s.uri ?? '',
            rowsRead: s.rowsRead ?? 0,
            success: s.success ?? 0,
            failure: s.failure ?? 0,
            rejected: s.rejected ?? 0,
          })),
          manifest: manifest === undefined ? null : formatS3Uri(props.bucket, manifestKey),
        });
        failuresTotal += failed;
      }

      const history_ = await logs.query(
        `SELECT env, run_id, max(created_time) AS created_time,
           count(*) FILTER (WHERE status = 'success') AS success, count(*) FILTER (WHERE status = 'failure') AS failure
         FROM ${table} GROUP BY env, run_id`,
      );
      const perEnv = new Map<string, ReportTrendPoint[]>();
      for (const row of history_.rows) {
        if (!trendRuns.has(objectRunKey(text(row.env), object, text(row.run_id)))) continue;
        const points = perEnv.get(text(row.env)) ?? [];
        points.push({
          env: text(row.env),
          object,
          runId: text(row.run_id),
          createdTime: text(row.created_time),
          success: count(row.success),
          failure: count(row.failure),
        });
        perEnv.set(text(row.env), points);
      }
      for (const points of perEnv.values()) trend.push(...points.sort(byTime).slice(-history));

      failures.push(...(await sampleFailures(logs, props, object, table, tableOf.get(object)!, chosenWhere)));
    }
    const byCode = new Map<string, number>();
    for (const run of runs) for (const e of run.errors) byCode.set(e.code, (byCode.get(e.code) ?? 0) + e.count);
    return {
      generatedAt: (props.clock?.() ?? new Date()).toISOString(),
      selection: selectionText,
      database: props.database,
      history,
      runs: runs.sort((a, b) => a.env.localeCompare(b.env) || a.object.localeCompare(b.object) || byTime(a, b)),
      errorCodes: [...byCode]
        .map(([code, n]) => ({ code, count: n }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      trend: trend.sort((a, b) => byTime(a, b) || a.env.localeCompare(b.env) || a.object.localeCompare(b.object)),
      failures: failures.slice(0, props.sampleLimit ?? DEFAULT_SAMPLE_LIMIT),
      failuresTotal,
      mismatches,
    };
  } finally {
    await logs.close();
  }
}

/** A few failed rows per run and error code, newest first: the report's sample, never the whole log. */
async function sampleFailures(
  logs: LocalLogQuery,
  props: BuildRunReportProps,
  object: string,
  table: string,
  tableName: string,
  chosenWhere: string,
): Promise<ReportFailure[]> {
  const perCode = props.samplePerCode ?? DEFAULT_SAMPLE_PER_CODE;
  const limit = props.sampleLimit ?? DEFAULT_SAMPLE_LIMIT;
  const result = await logs.query(
    `SELECT * FROM ${table} WHERE status = 'failure' AND (${chosenWhere})
     QUALIFY row_number() OVER (PARTITION BY env, run_id, split_part(sf__error, ':', 1)
       ORDER BY created_time DESC, sf__error, sf__id) <= ${perCode}
     ORDER BY env, run_id, split_part(sf__error, ':', 1), sf__error LIMIT ${limit}`,
  );
  const spelling = new Map((logs.fileColumns.get(tableName) ?? []).map((c) => [c.toLowerCase(), c]));
  const externalId = props.objects?.find((o) => o.name === object)?.externalIdField?.toLowerCase();
  return result.rows.map((row) => {
    const fields: Record<string, string> = {};
    for (const column of result.columns) {
      if (SF_COLUMNS.has(column) || PARTITION_COLUMNS.has(column)) continue;
      const value = row[column];
      if (value === null || value === '') continue;
      fields[spelling.get(column) ?? column] = String(value);
    }
    const error = text(row.sf__error);
    return {
      env: text(row.env),
      object,
      runId: text(row.run_id),
      key: (externalId !== undefined ? text(row[externalId] ?? null) : '') || text(row.sf__id),
      code: error.split(':')[0] ?? '',
      error,
      fields,
    };
  });
}

/**
 * The (env, run) pairs a selection names. Without a run id or a time window: the latest run of each env
 * (of the one env given), as the `run-outcome` saved query takes the latest run.
 */
export function chooseRuns(
  partitions: readonly LogPartitionRef[],
  selection: RunSelection,
): Map<string, { env: string; runId: string; createdTime: string }> {
  const runs = new Map<string, { env: string; runId: string; createdTime: string }>();
  for (const p of partitions) {
    if (selection.env !== undefined && p.env !== selection.env) continue;
    if (selection.runId !== undefined && p.runId !== selection.runId) continue;
    const key = runKey(p.env, p.runId);
    const run = runs.get(key);
    if (run === undefined || p.createdTime > run.createdTime) {
      runs.set(key, { env: p.env, runId: p.runId, createdTime: p.createdTime });
    }
  }
  const since = selection.since === undefined ? undefined : formatCreatedTime(selection.since);
  const until = selection.until === undefined ? undefined : formatCreatedTime(selection.until);
  for (const [key, run] of runs) {
    if ((since !== undefined && run.createdTime < since) || (until !== undefined && run.createdTime > until)) {
      runs.delete(key);
    }
  }
  if (selection.runId === undefined && since === undefined && until === undefined) {
    const latest = new Map<string, { env: string; runId: string; createdTime: string }>();
    for (const run of runs.values()) {
      const best = latest.get(run.env);
      if (best === undefined || run.createdTime > best.createdTime) latest.set(run.env, run);
    }
    return new Map([...latest.values()].map((run) => [runKey(run.env, run.runId), run]));
  }
  return runs;
}

/** Per env and object of the chosen runs, its latest `history` runs (up to `until`), as (env, object, run) keys. */
function historyRuns(
  partitions: readonly LogPartitionRef[],
  chosen: ReadonlyMap<string, { env: string; runId: string }>,
  history: number,
  until: Date | undefined,
): Set<string> {
  const limit = until === undefined ? undefined : formatCreatedTime(until);
  const envObjects = new Set(
    partitions.filter((p) => chosen.has(runKey(p.env, p.runId))).map((p) => `${p.env}\u0000${p.object}`),
  );
  const times = new Map<string, { key: string; group: string; createdTime: string }>();
  for (const p of partitions) {
    const group = `${p.env}\u0000${p.object}`;
    if (!envObjects.has(group) || (limit !== undefined && p.createdTime > limit)) continue;
    const key = objectRunKey(p.env, p.object, p.runId);
    const seen = times.get(key);
    if (seen === undefined || p.createdTime > seen.createdTime) {
      times.set(key, { key, group, createdTime: p.createdTime });
    }
  }
  const keep = new Set<string>();
  for (const group of envObjects) {
    [...times.values()]
      .filter((t) => t.group === group)
      .sort((a, b) => b.createdTime.localeCompare(a.createdTime))
      .slice(0, history)
      .forEach((t) => keep.add(t.key));
  }
  return keep;
}

/** A selection in words, for the report's heading and for messages. */
export function describeSelection(selection: RunSelection): string {
  const parts: string[] = [];
  if (selection.runId !== undefined) parts.push(`run ${selection.runId}`);
  else if (selection.since === undefined && selection.until === undefined) parts.push('the latest run');
  if (selection.env !== undefined) {
    parts.push(`in ${selection.env}`);
  } else if (selection.runId === undefined && selection.since === undefined && selection.until === undefined) {
    parts.push('of each env');
  }
  if (selection.since !== undefined) parts.push(`since ${selection.since.toISOString()}`);
  if (selection.until !== undefined) parts.push(`until ${selection.until.toISOString()}`);
  if (selection.runId === undefined && (selection.since !== undefined || selection.until !== undefined)) {
    parts.unshift('runs');
  }
  return parts.join(' ');
}

const byTime = (a: { createdTime: string }, b: { createdTime: string }) => a.createdTime.localeCompare(b.createdTime);

function text(value: LogQueryValue | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

function count(value: LogQueryValue | undefined): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
