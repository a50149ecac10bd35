import { join } from 'node:path';
import { LoadLimits, Operation } from '../config';
import { IngestJobInfo, ResultDownload, SalesforceApi, SalesforceApiError } from '../salesforce';

/** The Bulk API 2.0 ingest calls a part attempt makes: the seam tests put a fake org behind. */
export type BulkIngestApi = Pick<
  SalesforceApi,
  'createIngestJob' | 'uploadJobData' | 'closeJob' | 'getJob' | 'abortJob' | 'downloadResults'
>;

export interface BulkJobRunnerProps {
  readonly api: BulkIngestApi;
  readonly object: string;
  readonly operation: Operation;
  readonly externalIdField?: string;
  readonly limits: LoadLimits;
  readonly workDir: string;
  /** @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The run's clock: job timeouts and download durations. */
  readonly clock: () => Date;
  /** Throws when the run must stop (SIGTERM, lost lease); checked while waiting for a job. */
  readonly shouldStop?: () => void;
}

/** Where a job's three result CSVs were saved. */
export interface ResultFiles {
  readonly successCsv: string;
  readonly failureCsv: string;
  readonly unprocessedCsv: string;
}

/** What downloading a job's three result CSVs took. */
export interface ResultTransfer {
  readonly seconds: number;
  /** Bytes of the CSVs saved. */
  readonly bytes: number;
  /** Bytes of the answers' bodies as received (compressed ones count compressed). */
  readonly wireBytes: number;
  /** How many of the three answers came gzip-compressed. */
  readonly compressed: number;
}

/** States a job ends in. */
export const TERMINAL_STATES: ReadonlySet<string> = new Set(['JobComplete', 'Failed', 'Aborted']);
const TERMINAL = TERMINAL_STATES;

/**
 * The Bulk API 2.0 job calls of a part attempt (part-attempt.ts owns their order and the checkpoints between
 * them): create, close, poll until the job ends (aborting one past its timeout), download the results.
 */
export class BulkJobRunner {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly props: BulkJobRunnerProps) {
    this.sleep = props.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private now(): number {
    return this.props.clock().getTime();
  }

  /** Creates the job; the caller records its id before uploading (DESIGN.md §3). */
  async create(): Promise<IngestJobInfo> {
    const { api, object, operation, externalIdField } = this.props;
    return api.createIngestJob({
      object,
      operation,
      ...(operation === 'upsert' && externalIdField ? { externalIdFieldName: externalIdField } : {}),
    });
  }

  /** Requests processing; a close whose answer was lost is checked, not blindly repeated. */
  async close(jobId: string): Promise<IngestJobInfo> {
    try {
      return await this.props.api.closeJob(jobId);
    } catch (err) {
      const info = await this.props.api.getJob(jobId);
      if (info.state !== 'Open') return info;
      throw err;
    }
  }

  /**
   * Polls with growing intervals until the job ends; a job past the timeout is aborted. `onPoll` is told
   * of the job after every poll and after an abort (the caller emits the job's state from it).
   */
  async finish(
    jobId: string,
    from: IngestJobInfo | undefined,
    onPoll: (job: IngestJobInfo) => void,
  ): Promise<{ info: IngestJobInfo; timedOut: boolean }> {
    const { api, limits } = this.props;
    let info = from ?? (await api.getJob(jobId));
    const deadline = this.now() + limits.jobTimeoutMinutes * 60_000;
    let interval = limits.pollIntervalMs;
    let timedOut = false;
    while (!TERMINAL.has(info.state)) {
      this.props.shouldStop?.();
      if (this.now() >= deadline && !timedOut) {
        timedOut = true;
        info = await this.abortChecked(jobId);
        onPoll(info);
        continue;
      }
      await this.sleep(interval);
      interval = Math.min(limits.pollMaxIntervalMs, Math.ceil(interval * 1.5));
      try {
        info = await api.getJob(jobId);
      } catch (err) {
        // A poll that failed for a transient reason after all its own tries changes nothing on the org's
        // side: the job goes on, so the next poll asks again (up to the job timeout) instead of failing the run.
        if (isTransient(err)) continue;
        throw err;
      }
      onPoll(info);
    }
    return { info, timedOut };
  }

  /** Aborts a job; if the answer was lost, the job's state says whether it took. */
  async abortChecked(jobId: string): Promise<IngestJobInfo> {
    try {
      return await this.props.api.abortJob(jobId);
    } catch (err) {
      const info = await this.props.api.getJob(jobId);
      if (info.state === 'Aborted' || TERMINAL.has(info.state)) return info;
      throw err;
    }
  }

  /** Streams the three result CSVs of a finished job to files named after `name`. */
  async download(jobId: string, name: string): Promise<{ files: ResultFiles; transfer: ResultTransfer }> {
    const file = (kind: string) => join(this.props.workDir, `${name}-${kind}.csv`);
    const files = { successCsv: file('success'), failureCsv: file('failure'), unprocessedCsv: file('unprocessed') };
    const started = this.now();
    const downloads: ResultDownload[] = [
      await this.props.api.downloadResults(jobId, 'successfulResults', files.successCsv),
      await this.props.api.downloadResults(jobId, 'failedResults', files.failureCsv),
      await this.props.api.downloadResults(jobId, 'unprocessedrecords', files.unprocessedCsv),
    ];
    const transfer: ResultTransfer = {
      seconds: (this.now() - started) / 1000,
      bytes: downloads.reduce((sum, d) => sum + d.bytes, 0),
      wireBytes: downloads.reduce((sum, d) => sum + d.wireBytes, 0),
      compressed: downloads.filter((d) => d.compressed).length,
    };
    return { files, transfer };
  }
}

/** A network error, 429 or 5xx: the org may answer the same request a moment later. */
function isTransient(err: unknown): boolean {
  return err instanceof SalesforceApiError && (err.status === 0 || err.status === 429 || err.status >= 500);
}
