import { createWriteStream, WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify';
import { formatCreatedTime, LogCatalog, logLocation } from '../catalog';
import { EnvironmentConfig, LoadLimits, LogsConfig, ObjectConfig } from '../config';
import { openSourceStream, SourceFile, uploadFile } from '../s3';
import { SalesforceApi } from '../salesforce';
import { BulkJobRunner, JobOutcome } from './bulk-job-runner';
import { RejectedRow, splitCsv } from './csv-splitter';
import { LoadEventSink } from './load-events';
import { LogColumn, ParquetLogWriter } from './parquet-log-writer';

/** A file of the object with the header the preflight approved. */
export interface PreparedFile {
  readonly file: SourceFile;
  readonly uploadHeader: readonly string[];
}

/** Counts and where they went, for one object of one run. */
export interface ObjectLoadResult {
  readonly object: string;
  readonly operation: string;
  readonly createdTime: string;
  readonly sources: readonly { uri: string; etag: string; size: number; rowsRead: number; rejected: number }[];
  readonly jobs: readonly {
    jobId: string;
    state: string;
    errorMessage?: string;
    rowsUploaded: number;
    success: number;
    failure: number;
    unprocessed: number;
    seconds: number;
  }[];
  readonly rowsRead: number;
  readonly success: number;
  /** failed + unprocessed + rejected client-side */
  readonly failure: number;
  readonly rejected: number;
  readonly columns: readonly string[];
  readonly logs: readonly { status: 'success' | 'failure'; location: string; files: number; rows: number }[];
  readonly seconds: number;
}

export interface ObjectLoaderProps {
  readonly api: SalesforceApi;
  readonly s3: S3Client;
  readonly catalog: LogCatalog;
  readonly parquet: ParquetLogWriter;
  readonly env: EnvironmentConfig;
  readonly logs: LogsConfig;
  readonly limits: LoadLimits;
  readonly runId: string;
  readonly workDir: string;
  readonly emit: LoadEventSink;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The client-side error code for rows a job never processed. */
export const UNPROCESSED_CODE = 'SFETL_UNPROCESSED';

/**
 * Loads one object: streams each source file through the splitter into Bulk API 2.0 jobs (up to
 * `concurrency` at once), turns every job's results into Parquet logs in S3 as the jobs finish, logs rows
 * rejected client-side, and registers the run's partitions in Glue.
 */
export class ObjectLoader {
  private readonly clock: () => Date;

  constructor(private readonly props: ObjectLoaderProps) {
    this.clock = props.clock ?? (() => new Date());
  }

  async load(config: ObjectConfig, files: readonly PreparedFile[]): Promise<ObjectLoadResult> {
    const { props } = this;
    const started = Date.now();
    const createdTime = formatCreatedTime(this.clock());
    const workDir = join(props.workDir, config.name);
    await mkdir(workDir, { recursive: true });
    const location = (status: 'success' | 'failure') =>
      logLocation({
        bucket: props.logs.bucket,
        prefix: props.logs.prefix,
        status,
        object: config.name,
        runId: props.runId,
        env: props.env.name,
        createdTime,
      });
    const logs = {
      success: { location: location('success'), files: 0, rows: 0 },
      failure: { location: location('failure'), files: 0, rows: 0 },
    };
    const columns = unionColumns(files.map((f) => f.uploadHeader.map(logColumnName)));
    const sources: ObjectLoadResult['sources'][number][] = [];
    const jobs: ObjectLoadResult['jobs'][number][] = [];
    props.emit({
      type: 'object-started',
      object: config.name,
      operation: config.operation,
      files: files.length,
      bytes: files.reduce((n, f) => n + f.file.size, 0),
    });

    // Parquet conversions share one DuckDB instance: run them one at a time.
    let parquetQueue: Promise<unknown> = Promise.resolve();
    const writeLog = (status: 'success' | 'failure', csv: string, logColumns: readonly LogColumn[]) => {
      const next = parquetQueue.then(async () => {
        const n = logs[status].files;
        const output = join(workDir, `${status}-part-${n}.parquet`);
        const { rows } = await props.parquet.csvToParquet({ input: csv, output, columns: logColumns });
        if (rows === 0) {
          await rm(output, { force: true });
          return 0;
        }
        logs[status].files++;
        const key = `${logs[status].location.replace(`s3://${props.logs.bucket}/`, '')}part-${String(n).padStart(5, '0')}.parquet`;
        await uploadFile(props.s3, output, props.logs.bucket, key, 'application/vnd.apache.parquet');
        await rm(output, { force: true });
        logs[status].rows += rows;
        props.emit({
          type: 'log-written',
          object: config.name,
          status,
          location: `s3://${props.logs.bucket}/${key}`,
          rows,
        });
        return rows;
      });
      parquetQueue = next.catch(() => undefined);
      return next;
    };

    let fileIndex = 0;
    for (const { file, uploadHeader } of files) {
      const uri = `s3://${file.bucket}/${file.key}`;
      props.emit({ type: 'file-started', object: config.name, source: uri, bytes: file.size });
      const fileDir = join(workDir, `file-${fileIndex++}`);
      await mkdir(fileDir, { recursive: true });
      const rejects = new RejectLog(join(fileDir, 'rejected.csv'), uploadHeader);
      const runner = new BulkJobRunner({
        api: props.api,
        object: config.name,
        operation: config.operation,
        externalIdField: config.externalIdField,
        limits: props.limits,
        workDir: fileDir,
        sleep: props.sleep,
        onState: (part, job) =>
          props.emit({ type: 'job-state', object: config.name, part: part.index, jobId: job.id, state: job.state }),
      });
      const input = await openSourceStream(props.s3, file);
      const parts = splitCsv(
        input,
        {
          maxPartBytes: props.limits.maxJobBytes,
          maxPartRows: props.limits.maxJobRows,
          workDir: fileDir,
          header: uploadHeader,
          sourceName: uri,
        },
        (row) => rejects.add(row),
      );
      const inFlight = new Set<Promise<void>>();
      let firstError: unknown;
      const handle = async (part: { index: number; path: string; rows: number; bytes: number }) => {
        props.emit({
          type: 'part-ready',
          object: config.name,
          source: uri,
          part: part.index,
          rows: part.rows,
          bytes: part.bytes,
        });
        const jobStarted = Date.now();
        const outcome = await runner.run(part);
        await rm(part.path, { force: true });
        const counts = await this.logJob(outcome, uploadHeader, writeLog);
        jobs.push({
          jobId: outcome.jobId,
          state: outcome.state,
          ...(outcome.errorMessage ? { errorMessage: outcome.errorMessage } : {}),
          rowsUploaded: outcome.rowsUploaded,
          success: counts.success,
          failure: counts.failure,
          unprocessed: counts.unprocessed,
          seconds: (Date.now() - jobStarted) / 1000,
        });
        props.emit({
          type: 'job-finished',
          object: config.name,
          part: part.index,
          jobId: outcome.jobId,
          state: outcome.state,
          success: counts.success,
          failure: counts.failure + counts.unprocessed,
          seconds: (Date.now() - jobStarted) / 1000,
        });
      };
      let next = await parts.next();
      while (!next.done) {
        if (firstError) break;
        while (inFlight.size >= props.limits.concurrency) await Promise.race(inFlight);
        const task: Promise<void> = handle(next.value)
          .catch((err: unknown) => {
            firstError ??= err;
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
        if (firstError) break;
        next = await parts.next();
      }
      await Promise.all(inFlight);
      if (firstError) {
        await parts.return(undefined as never).catch(() => undefined);
        input.destroy();
        throw firstError;
      }
      const summary = next.value;
      if (!summary || typeof summary !== 'object' || !('rowsRead' in summary)) {
        throw new Error(`the splitter ended ${uri} without a summary`);
      }
      await rejects.close();
      if (rejects.count > 0) {
        props.emit({ type: 'rows-rejected', object: config.name, source: uri, rows: rejects.count });
        await writeLog('failure', rejects.path, [
          ...uploadHeader.map((name) => ({ name: logColumnName(name), from: name })),
          { name: 'sf__Id', constant: '' },
          { name: 'sf__Error', from: 'sf__Error' },
          { name: 'sf__JobId', constant: '' },
        ]);
      }
      sources.push({ uri, etag: file.etag, size: file.size, rowsRead: summary.rowsRead, rejected: summary.rejected });
      await rm(fileDir, { recursive: true, force: true });
    }
    await parquetQueue;

    const partitions = (['success', 'failure'] as const)
      .filter((status) => logs[status].files > 0)
      .map((status) => ({
        status,
        runId: props.runId,
        env: props.env.name,
        createdTime,
        location: logs[status].location,
      }));
    const table = await props.catalog.ensureTable(config.name, [...columns, ...LOG_COLUMNS]);
    for (const column of table.omittedColumns) {
      props.emit({
        type: 'warning',
        object: config.name,
        message: `column ${column} has the name of a partition key; it is in the Parquet logs but not in the Glue table`,
      });
    }
    await props.catalog.registerPartitions(config.name, partitions);

    const rowsRead = sources.reduce((n, s) => n + s.rowsRead, 0);
    const rejected = sources.reduce((n, s) => n + s.rejected, 0);
    const result: ObjectLoadResult = {
      object: config.name,
      operation: config.operation,
      createdTime,
      sources,
      jobs,
      rowsRead,
      success: logs.success.rows,
      failure: logs.failure.rows,
      rejected,
      columns,
      logs: (['success', 'failure'] as const).map((status) => ({ status, ...logs[status] })),
      seconds: (Date.now() - started) / 1000,
    };
    props.emit({
      type: 'object-finished',
      object: config.name,
      rowsRead,
      success: result.success,
      failure: result.failure,
      rejected,
      jobs: jobs.length,
      seconds: result.seconds,
    });
    return result;
  }

  /** Writes one job's successful, failed and unprocessed rows as Parquet logs. */
  private async logJob(
    outcome: JobOutcome,
    uploadHeader: readonly string[],
    writeLog: (status: 'success' | 'failure', csv: string, columns: readonly LogColumn[]) => Promise<number>,
  ): Promise<{ success: number; failure: number; unprocessed: number }> {
    const uploaded = uploadHeader.map((name) => ({ name: logColumnName(name), from: name }));
    const jobId = { name: 'sf__JobId', constant: outcome.jobId };
    const success = await writeLog('success', outcome.successCsv, [
      ...uploaded,
      { name: 'sf__Id', from: 'sf__Id' },
      { name: 'sf__Created', from: 'sf__Created' },
      jobId,
    ]);
    const failure = await writeLog('failure', outcome.failureCsv, [
      ...uploaded,
      { name: 'sf__Id', from: 'sf__Id' },
      { name: 'sf__Error', from: 'sf__Error' },
      jobId,
    ]);
    const reason = outcome.timedOut
      ? `job did not finish within ${this.props.limits.jobTimeoutMinutes} minutes and was aborted`
      : `job ended ${outcome.state}${outcome.errorMessage ? `: ${outcome.errorMessage}` : ''}`;
    const unprocessed = await writeLog('failure', outcome.unprocessedCsv, [
      ...uploaded,
      { name: 'sf__Id', constant: '' },
      { name: 'sf__Error', constant: `${UNPROCESSED_CODE}:record not processed; ${reason}:--` },
      jobId,
    ]);
    await Promise.all(
      [outcome.successCsv, outcome.failureCsv, outcome.unprocessedCsv].map((f) => rm(f, { force: true })),
    );
    return { success, failure, unprocessed };
  }
}

/**
 * The log column of an uploaded column: relationship columns (`Account.Ext_Id__c`) are written as
 * `Account_Ext_Id__c`, because Athena and Hive column names cannot contain a dot.
 */
export function logColumnName(uploaded: string): string {
  return uploaded.replace(/\./g, '_');
}

/** The sf__ columns of the log tables, after the uploaded columns (DESIGN.md §2.1–2.2). */
export const LOG_COLUMNS = ['sf__Id', 'sf__Created', 'sf__Error', 'sf__JobId'] as const;

function unionColumns(headers: readonly (readonly string[])[]): string[] {
  const seen = new Map<string, string>();
  for (const header of headers) for (const c of header) if (!seen.has(c.toLowerCase())) seen.set(c.toLowerCase(), c);
  return [...seen.values()];
}

/** Rows rejected client-side, written as CSV (upload columns + sf__Error) for the failure log. */
class RejectLog {
  count = 0;
  private readonly stringifier;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;

  constructor(
    readonly path: string,
    private readonly header: readonly string[],
  ) {
    this.out = createWriteStream(path);
    this.stringifier = stringify({ header: true, columns: [...header, 'sf__Error'], quoted_string: true });
    this.done = new Promise((resolve, reject) => {
      this.out.on('finish', resolve);
      this.out.on('error', reject);
    });
    this.stringifier.pipe(this.out);
  }

  add(row: RejectedRow): void {
    this.count++;
    const values = this.header.map((_, i) => row.values[i] ?? '');
    const extra =
      row.values.length > this.header.length
        ? ` (values past the last column: ${row.values.slice(this.header.length).join(', ')})`
        : '';
    this.stringifier.write([...values, `${row.code}:${row.message}${extra}:--`]);
  }

  close(): Promise<void> {
    this.stringifier.end();
    return this.done;
  }
}
