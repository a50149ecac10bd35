import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LoadLimits } from '../config';
import { IngestJobInfo } from '../salesforce';
import { BulkIngestApi, BulkJobRunner, ResultFiles, TERMINAL_STATES } from './bulk-job-runner';
import { SortedFailures, sortFailures } from './failure-sorter';
import { LoadEventSink } from './load-events';
import { LogSink } from './log-writer';
import { LogColumn } from './parquet-log-writer';
import { AttemptState, PartState } from './source-ledger';

/** The client-side error code for rows a job never processed. */
export const UNPROCESSED_CODE = 'SFETL_UNPROCESSED';

/**
 * The log column of an uploaded column: relationship columns (`Account.Ext_Id__c`) are written as
 * `Account_Ext_Id__c`, because Athena and Hive column names cannot contain a dot.
 */
export function logColumnName(uploaded: string): string {
  return uploaded.replace(/\./g, '_');
}

/** The log directories of one load of one source file (its run's, even when another run resumes it). */
export interface LogTarget {
  readonly runId: string;
  readonly createdTime: string;
  /** s3:// location of the success log directory, ending in `/`. */
  readonly success: string;
  readonly failure: string;
}

/** What one file's parts share: the org, the logs, the ledger, and where events go. */
export interface PartContext {
  readonly api: BulkIngestApi;
  readonly runner: BulkJobRunner;
  readonly logger: LogSink;
  /** Persists the ledger; called before each step that could be repeated. */
  readonly checkpoint: () => Promise<void>;
  readonly emit: LoadEventSink;
  readonly clock: () => Date;
  readonly limits: LoadLimits;
  readonly retryCodes: ReadonlySet<string>;
  readonly object: string;
  /** The source file (s3://bucket/key). */
  readonly source: string;
  readonly uploadHeader: readonly string[];
  readonly target: LogTarget;
  /** Names this load's log files: `part-<token>-<part>-a<attempt>-…`. */
  readonly token: string;
  /** Scratch directory of the file. */
  readonly workDir: string;
  /** Throws when the run must stop (SIGTERM, lost lease). */
  readonly shouldStop?: () => void;
}

export interface PartAttemptProps {
  readonly context: PartContext;
  /** The part's ledger entry; the attempt adds itself to it. */
  readonly part: PartState;
  /** 1 for the part's own rows, n for the rows attempt n - 1 passed on. */
  readonly attempt: number;
  /**
   * The CSV to send when a new job is needed; undefined to settle only: a job already closed is awaited and
   * logged, but nothing is sent (the source changed, so its rows are no longer to be had).
   */
  readonly data?: string;
}

/** How an attempt ended. */
export type AttemptOutcome =
  | {
      readonly kind: 'logged';
      readonly jobId: string;
      readonly state: string;
      readonly success: number;
      readonly failure: number;
      /** Rows passed on to the next attempt (failed for a transient reason, or unprocessed). */
      readonly retried: number;
      /** Their CSV, when retried > 0. */
      readonly retryCsv?: string;
      readonly seconds: number;
    }
  /** Settling only, and no job of this attempt was past its upload: nothing of it reached the org. */
  | { readonly kind: 'unsent' };

/** A job's outcome and its downloaded results, the retryable failures sorted from the rest. */
interface JobResults {
  readonly jobId: string;
  readonly info: IngestJobInfo;
  /** The job was aborted for running past the job timeout. */
  readonly timedOut: boolean;
  readonly files: ResultFiles;
  readonly sorted: SortedFailures;
  /** Another attempt may follow this one (retryable rows are passed on, not logged). */
  readonly canRetry: boolean;
}

/** Rows written to each log by an attempt, and rows passed on to the next one. */
interface LoggedCounts {
  readonly success: number;
  readonly failure: number;
  readonly retried: number;
}

/**
 * One attempt of one part through Bulk API 2.0: resume or abort the attempt's open job, create, upload,
 * close, poll, download, sort the failures and log them. Before each step that could be repeated the
 * ledger is saved (`checkpoint`), so a run that dies anywhere resumes here without sending a row twice: a
 * job found Open (its upload may or may not have happened) is aborted and the rows go in a new job; a job
 * found closed is awaited, never sent again. Each event is emitted once, here.
 */
export class PartAttempt {
  private readonly ctx: PartContext;

  constructor(private readonly props: PartAttemptProps) {
    this.ctx = props.context;
  }

  private get name(): string {
    return `part-${this.ctx.token}-${String(this.props.part.index).padStart(5, '0')}-a${this.props.attempt}`;
  }

  async run(): Promise<AttemptOutcome> {
    const { ctx } = this;
    const started = ctx.clock().getTime();
    let state = this.current();
    let info: IngestJobInfo | undefined;
    if (state?.jobId) {
      info = await ctx.api.getJob(state.jobId);
      // Aborted while the ledger still says created: the job was never closed (a close follows the uploaded
      // checkpoint), so a run aborted it as Open and stopped before its ledger said so. It processed nothing, and
      // its results need not hold the part's rows (none at all when the upload never happened): like an Open
      // job, it is abandoned and the rows go in a new job, or they would be neither loaded nor logged.
      const abortedOpen = info.state === 'Aborted' && state.phase === 'created';
      if (info.state === 'Open' || abortedOpen) {
        await this.abandon(state, !abortedOpen);
        state = undefined;
        info = undefined;
      }
    }
    if (!state) {
      if (this.props.data === undefined) return { kind: 'unsent' };
      ({ state, info } = await this.send(this.props.data));
    }
    return this.finish(state, info, started);
  }

  /** The attempt's ledger entry, unless it was abandoned. */
  private current(): AttemptState | undefined {
    return this.props.part.attempts.find((a) => a.attempt === this.props.attempt && a.phase !== 'abandoned');
  }

  /** Marks the attempt abandoned (its rows go in a new job), aborting its job first unless it is aborted already. */
  private async abandon(state: AttemptState, abort = true): Promise<void> {
    if (abort) await this.ctx.runner.abortChecked(state.jobId!);
    state.phase = 'abandoned';
    await this.ctx.checkpoint();
  }

  /** Creates a job, uploads `data`, closes it; an upload that fails is never repeated blindly. */
  private async send(data: string): Promise<{ state: AttemptState; info: IngestJobInfo }> {
    const { ctx } = this;
    for (let failedUploads = 0; ;) {
      ctx.shouldStop?.();
      const created = await ctx.runner.create();
      const state: AttemptState = { attempt: this.props.attempt, jobId: created.id, phase: 'created' };
      this.props.part.attempts.push(state);
      await ctx.checkpoint();
      this.jobState(created.id, created.state);
      try {
        await ctx.api.uploadJobData(created.id, data);
      } catch (err) {
        // The upload may or may not have reached the job: the job is aborted and the rows go in a new one.
        if (++failedUploads >= ctx.limits.httpAttempts) throw err;
        ctx.emit({
          type: 'warning',
          object: ctx.object,
          message: `upload to job ${created.id} failed (${(err as Error).message}); the job is aborted and its rows sent again in a new job`,
        });
        await this.abandon(state);
        continue;
      }
      state.phase = 'uploaded';
      await ctx.checkpoint();
      const info = await ctx.runner.close(created.id);
      state.phase = 'closed';
      await ctx.checkpoint();
      this.jobState(created.id, info.state);
      return { state, info };
    }
  }

  /** Waits for the job, downloads its results and logs them. */
  private async finish(state: AttemptState, from: IngestJobInfo | undefined, started: number): Promise<AttemptOutcome> {
    const results = await this.fetchResults(state, from);
    const counts = await this.writeLogs(results);
    return this.record(state, results, counts, started);
  }

  /** Waits for the job to end, downloads its three result CSVs and sorts the failures to log or retry. */
  private async fetchResults(state: AttemptState, from: IngestJobInfo | undefined): Promise<JobResults> {
    const { ctx, props } = this;
    const jobId = state.jobId!;
    const { info, timedOut } = TERMINAL_STATES.has(from?.state ?? '')
      ? { info: from!, timedOut: false }
      : await ctx.runner.finish(jobId, from, (job) => this.jobState(jobId, job.state, job.numberRecordsProcessed));
    state.state = info.state;
    ctx.emit({ type: 'results-fetching', object: ctx.object, source: ctx.source, part: props.part.index, jobId });
    const { files, transfer } = await ctx.runner.download(jobId, this.name);
    ctx.emit({
      type: 'results-fetched',
      object: ctx.object,
      source: ctx.source,
      part: props.part.index,
      jobId,
      ...transfer,
      seconds: Math.round(transfer.seconds * 1000) / 1000,
    });
    const canRetry = props.attempt < ctx.limits.maxRecordAttempts;
    const sorted = await sortFailures({
      failedCsv: files.failureCsv,
      unprocessedCsv: files.unprocessedCsv,
      uploadHeader: ctx.uploadHeader,
      retryCodes: canRetry ? ctx.retryCodes : new Set(),
      permanentCsv: join(ctx.workDir, `${this.name}-permanent.csv`),
      retryCsv: join(ctx.workDir, `${this.name}-retry.csv`),
    });
    return { jobId, info, timedOut, files, sorted, canRetry };
  }

  /** Writes the success and failure logs; on the last attempt the rows still unprocessed join the failures. */
  private async writeLogs(results: JobResults): Promise<LoggedCounts> {
    const { ctx } = this;
    const { files, sorted, canRetry } = results;
    const uploaded = this.uploadedColumns();
    const jobColumn = { name: 'sf__JobId', constant: results.jobId };
    const success = await ctx.logger.write({
      status: 'success',
      location: ctx.target.success,
      name: `${this.name}-success.parquet`,
      csv: files.successCsv,
      columns: [
        ...uploaded,
        { name: 'sf__Id', from: 'sf__Id' },
        { name: 'sf__Created', from: 'sf__Created' },
        jobColumn,
      ],
    });
    let failure = await ctx.logger.write({
      status: 'failure',
      location: ctx.target.failure,
      name: `${this.name}-failure.parquet`,
      csv: sorted.permanentCsv,
      columns: [...uploaded, { name: 'sf__Id', from: 'sf__Id' }, { name: 'sf__Error', from: 'sf__Error' }, jobColumn],
    });
    let retried = sorted.retry;
    if (!canRetry && retried > 0) {
      // The last attempt: what is still unprocessed is a final failure.
      failure += await this.logUnprocessed(results);
      retried = 0;
    }
    return { success, failure, retried };
  }

  /** Logs the rows the last attempt left unprocessed as failures, saying why; returns how many. */
  private async logUnprocessed(results: JobResults): Promise<number> {
    const { ctx, props } = this;
    const { info } = results;
    const reason = results.timedOut
      ? `job did not finish within ${ctx.limits.jobTimeoutMinutes} minutes and was aborted`
      : `job ended ${info.state}${info.errorMessage ? `: ${info.errorMessage}` : ''}`;
    return ctx.logger.write({
      status: 'failure',
      location: ctx.target.failure,
      name: `${this.name}-unprocessed.parquet`,
      csv: results.sorted.retryCsv,
      columns: [
        ...this.uploadedColumns(),
        { name: 'sf__Id', constant: '' },
        {
          name: 'sf__Error',
          constant: `${UNPROCESSED_CODE}:record not processed after ${props.attempt} attempt(s); ${reason}:--`,
        },
        { name: 'sf__JobId', constant: results.jobId },
      ],
    });
  }

  /** The log columns of the uploaded columns, copied from the result CSVs. */
  private uploadedColumns(): LogColumn[] {
    return this.ctx.uploadHeader.map((c) => ({ name: logColumnName(c), from: c }));
  }

  /** Records the logged counts in the ledger, removes the local files and announces the job's end. */
  private async record(
    state: AttemptState,
    results: JobResults,
    counts: LoggedCounts,
    started: number,
  ): Promise<AttemptOutcome> {
    const { ctx, props } = this;
    const { jobId, info, files, sorted } = results;
    const { success, failure, retried } = counts;
    state.success = success;
    state.failure = failure;
    state.retried = retried;
    state.phase = 'logged';
    await ctx.checkpoint();
    await Promise.all([...Object.values(files), sorted.permanentCsv].map((f) => rm(f, { force: true })));
    if (retried === 0) await rm(sorted.retryCsv, { force: true });
    const seconds = (ctx.clock().getTime() - started) / 1000;
    ctx.emit({
      type: 'job-finished',
      object: ctx.object,
      source: ctx.source,
      part: props.part.index,
      jobId,
      state: info.state,
      success,
      failure,
      seconds,
    });
    return {
      kind: 'logged',
      jobId,
      state: info.state,
      success,
      failure,
      retried,
      ...(retried > 0 ? { retryCsv: sorted.retryCsv } : {}),
      seconds,
    };
  }

  private jobState(jobId: string, state: string, processed?: number): void {
    const { ctx } = this;
    ctx.emit({
      type: 'job-state',
      object: ctx.object,
      source: ctx.source,
      part: this.props.part.index,
      jobId,
      state,
      ...(processed === undefined ? {} : { processed }),
    });
  }

  /**
   * The rows a logged attempt passed on, rebuilt from its job's results: a resumed run has no local files.
   * The retry CSV is the one the next attempt sends.
   */
  async retryData(): Promise<string> {
    const { ctx } = this;
    const state = this.current()!;
    const name = `${this.name}-again`;
    const { files } = await ctx.runner.download(state.jobId!, name);
    const sorted = await sortFailures({
      failedCsv: files.failureCsv,
      unprocessedCsv: files.unprocessedCsv,
      uploadHeader: ctx.uploadHeader,
      retryCodes: ctx.retryCodes,
      permanentCsv: join(ctx.workDir, `${name}-permanent.csv`),
      retryCsv: join(ctx.workDir, `${name}-retry.csv`),
    });
    await Promise.all([...Object.values(files), sorted.permanentCsv].map((f) => rm(f, { force: true })));
    return sorted.retryCsv;
  }
}
