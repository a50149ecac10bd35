import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { formatCreatedTime, LogCatalog, StateLayout } from '../catalog';
import { EnvironmentConfig, LoadLimits, LogsConfig, ObjectConfig } from '../config';
import { SerialQueue } from '../duckdb';
import { formatS3Uri } from '../s3';
import { SalesforceApi } from '../salesforce';
import { FileLoader, JobSlots, PreparedFile, SkippedSource, SourceResult } from './file-loader';
import { FilePlan } from './file-plan';
import { LoadEventSink } from './load-events';
import { LOG_COLUMNS } from './log-columns';
import { ParquetLogWriter } from './parquet-log-writer';
import { logColumnName } from './part-attempt';
import { JobRecord } from './part-loader';

export type { PreparedFile } from './file-loader';
export { LOG_COLUMNS } from './log-columns';
export { logColumnName, UNPROCESSED_CODE } from './part-attempt';

/** Counts and where they went, for one object of one run. */
export interface ObjectLoadResult {
  readonly object: string;
  readonly operation: string;
  readonly createdTime: string;
  readonly sources: readonly SourceResult[];
  /** Files already loaded for this env and object by an earlier run, not loaded again. */
  readonly skipped: readonly SkippedSource[];
  readonly jobs: readonly JobRecord[];
  readonly rowsRead: number;
  /** Rows written to the success log (what reconciliation counts), rows found already loaded included. */
  readonly success: number;
  /** Rows written to the failure log: failed + unprocessed + rejected client-side. */
  readonly failure: number;
  readonly rejected: number;
  /** Rows found already loaded by earlier loads and logged as such, not sent (--skip-loaded-rows). */
  readonly alreadyLoaded: number;
  readonly columns: readonly string[];
  readonly logs: readonly LogFiles[];
  readonly seconds: number;
}

/** The log files of one directory written or found by a run. */
export interface LogFiles {
  readonly status: 'success' | 'failure';
  readonly location: string;
  files: number;
  rows: number;
}

export interface ObjectLoaderProps {
  readonly api: SalesforceApi;
  readonly s3: S3Client;
  readonly catalog: LogCatalog;
  readonly parquet: ParquetLogWriter;
  readonly env: EnvironmentConfig;
  readonly logs: LogsConfig;
  readonly limits: LoadLimits;
  readonly retryErrorCodes: readonly string[];
  readonly runId: string;
  readonly workDir: string;
  readonly emit: LoadEventSink;
  /** The org loaded into (recorded in each new ledger), when known. */
  readonly orgId?: string;
  /** Throws when the run must stop (SIGTERM, lost lease); called between steps. */
  readonly shouldStop?: () => void;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One object's load in progress: its files, and what they report as they finish. */
interface ObjectRun {
  readonly config: ObjectConfig;
  readonly files: readonly { readonly prepared: PreparedFile; readonly plan: FilePlan }[];
  /** The object's scratch directory (created). */
  readonly workDir: string;
  /** created_time of the log directories this run starts. */
  readonly createdTime: string;
  /** The log columns of the files' uploaded columns, first spelling of each name. */
  readonly columns: readonly string[];
  readonly sources: SourceResult[];
  readonly skipped: SkippedSource[];
  readonly jobs: JobRecord[];
  /** Log files written or found, by directory. */
  readonly logs: Map<string, LogFiles>;
  readonly slots: JobSlots;
  /** One Parquet conversion at a time for all files of the object. */
  readonly conversions: SerialQueue;
}

/**
 * Loads one object: its files in order, each as its plan says (file-plan.ts), through FileLoader. Inserts
 * overlap files: the next file is read and cut while the jobs of the ones before it still run, and the jobs
 * of all of them share the `concurrency` slots. A file starts only once the one before it has handed out
 * all its parts, so at most one file is being read at a time. Operations on existing records (update,
 * upsert, delete) load each file to its end before the next: files in key order are versions in time, and
 * the org runs concurrent jobs in no promised order, so the later file must win.
 */
export class ObjectLoader {
  private readonly clock: () => Date;
  private readonly layout: StateLayout;

  constructor(private readonly props: ObjectLoaderProps) {
    this.clock = props.clock ?? (() => new Date());
    this.layout = new StateLayout(props.logs.statePrefix);
  }

  async load(
    config: ObjectConfig,
    files: readonly { readonly prepared: PreparedFile; readonly plan: FilePlan }[],
  ): Promise<ObjectLoadResult> {
    const started = this.clock().getTime();
    const createdTime = formatCreatedTime(this.clock());
    const workDir = join(this.props.workDir, config.name);
    await mkdir(workDir, { recursive: true });
    const run: ObjectRun = {
      config,
      files,
      workDir,
      createdTime,
      columns: unionColumns(files.map((f) => f.prepared.uploadHeader.map(logColumnName))),
      sources: [],
      skipped: [],
      jobs: [],
      logs: new Map(),
      slots: { jobs: new Set(), failed: false },
      conversions: new SerialQueue(),
    };
    await this.start(run);
    await this.loadFiles(run);
    return this.finish(run, started);
  }

  /** Announces the object and makes sure its Glue table has the files' columns. */
  private async start(run: ObjectRun): Promise<void> {
    const { props } = this;
    const { config, files } = run;
    props.emit({
      type: 'object-started',
      object: config.name,
      operation: config.operation,
      files: files.length,
      bytes: files.reduce((n, f) => n + f.prepared.file.size, 0),
    });
    const table = await props.catalog.ensureTable(config.name, [...run.columns, ...LOG_COLUMNS]);
    for (const column of table.omittedColumns) {
      props.emit({
        type: 'warning',
        object: config.name,
        message: `column ${column} has the name of a partition key; it is in the Parquet logs but not in the Glue table`,
      });
    }
  }

  /** Loads the files in order, overlapping them for inserts; throws the first error once none is running. */
  private async loadFiles(run: ObjectRun): Promise<void> {
    const overlapFiles = run.config.operation === 'insert';
    const running: Promise<void>[] = [];
    let firstError: unknown;
    try {
      for (const [index, { prepared, plan }] of run.files.entries()) {
        // A part that failed ends the object: no further file starts, the ones running settle, the error is thrown.
        if (firstError !== undefined || run.slots.failed) break;
        this.props.shouldStop?.();
        const fileDir = join(run.workDir, `file-${index}`);
        await mkdir(fileDir, { recursive: true });
        const loader = this.fileLoader(run, fileDir);
        let handedOut!: () => void;
        const allHandedOut = new Promise<void>((resolve) => (handedOut = resolve));
        const file = loader
          .load(prepared, plan, handedOut)
          .then((outcome) => {
            if (outcome.source) run.sources.push(outcome.source);
            if (outcome.skipped) run.skipped.push(outcome.skipped);
          })
          .finally(() => rm(fileDir, { recursive: true, force: true }))
          .catch((err: unknown) => {
            firstError ??= err;
          });
        running.push(file);
        await (overlapFiles ? Promise.race([allHandedOut, file]) : file);
      }
    } finally {
      // Nothing of this object is left running when load returns or throws.
      await Promise.all(running);
    }
    if (firstError !== undefined) throw firstError;
  }

  /** The loader of one file, reporting its jobs and log files into `run`. */
  private fileLoader(run: ObjectRun, fileDir: string): FileLoader {
    const { props } = this;
    return new FileLoader({
      ...props,
      layout: this.layout,
      retryCodes: new Set(props.retryErrorCodes),
      config: run.config,
      createdTime: run.createdTime,
      clock: this.clock,
      conversions: run.conversions,
      slots: run.slots,
      workDir: fileDir,
      onJob: (job) => run.jobs.push(job),
      onLogWritten: (status, location, rows) => {
        const entry = logFiles(run.logs, status, location);
        entry.files++;
        entry.rows += rows;
      },
      onLogDirectory: (status, location) => void logFiles(run.logs, status, location),
    });
  }

  /** Sums the files' outcomes (sources in the order of the files) and announces the object's end. */
  private finish(run: ObjectRun, started: number): ObjectLoadResult {
    const { config, sources } = run;
    const order = new Map(run.files.map((f, i) => [formatS3Uri(f.prepared.file.bucket, f.prepared.file.key), i]));
    sources.sort((a, b) => order.get(a.uri)! - order.get(b.uri)!);

    const sum = (pick: (s: SourceResult) => number) => sources.reduce((n, s) => n + pick(s), 0);
    const out: ObjectLoadResult = {
      object: config.name,
      operation: config.operation,
      createdTime: run.createdTime,
      sources,
      skipped: run.skipped,
      jobs: run.jobs,
      rowsRead: sum((s) => s.rowsRead),
      success: sum((s) => s.success),
      failure: sum((s) => s.failure),
      rejected: sum((s) => s.rejected),
      alreadyLoaded: sum((s) => s.alreadyLoaded),
      columns: run.columns,
      logs: [...run.logs.values()],
      seconds: (this.clock().getTime() - started) / 1000,
    };
    this.props.emit({
      type: 'object-finished',
      object: config.name,
      rowsRead: out.rowsRead,
      success: out.success,
      failure: out.failure,
      rejected: out.rejected,
      jobs: out.jobs.length,
      seconds: out.seconds,
    });
    return out;
  }
}

/** The log files of `location`, counted from the first one written or found there. */
function logFiles(logs: Map<string, LogFiles>, status: 'success' | 'failure', location: string): LogFiles {
  const entry = logs.get(location) ?? { status, location, files: 0, rows: 0 };
  logs.set(location, entry);
  return entry;
}

function unionColumns(headers: readonly (readonly string[])[]): string[] {
  const seen = new Map<string, string>();
  for (const header of headers) for (const c of header) if (!seen.has(c.toLowerCase())) seen.set(c.toLowerCase(), c);
  return [...seen.values()];
}
