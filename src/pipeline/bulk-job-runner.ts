import { join } from 'node:path';
import { LoadLimits, Operation } from '../config';
import { IngestJobInfo, SalesforceApi } from '../salesforce';

/** A job that did not reach a terminal state in time; it was aborted, its rows are logged as unprocessed. */
export class JobTimeoutError extends Error {
  constructor(
    readonly jobId: string,
    readonly minutes: number,
  ) {
    super(`job ${jobId} did not finish within ${minutes} minutes`);
    this.name = 'JobTimeoutError';
  }
}

/** One part of a source file, ready to upload. */
export interface JobPart {
  readonly index: number;
  readonly path: string;
  readonly rows: number;
}

/** What happened to one part: the job's final state and where its result CSVs were saved. */
export interface JobOutcome {
  readonly jobId: string;
  readonly state: IngestJobInfo['state'];
  readonly errorMessage?: string;
  readonly rowsUploaded: number;
  readonly numberRecordsProcessed: number;
  readonly numberRecordsFailed: number;
  readonly successCsv: string;
  readonly failureCsv: string;
  readonly unprocessedCsv: string;
  readonly timedOut: boolean;
}

export interface BulkJobRunnerProps {
  readonly api: SalesforceApi;
  readonly object: string;
  readonly operation: Operation;
  readonly externalIdField?: string;
  readonly limits: LoadLimits;
  readonly workDir: string;
  /** @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
  /** Called on every state change of a job (progress output). */
  readonly onState?: (part: JobPart, job: IngestJobInfo) => void;
}

const TERMINAL = new Set(['JobComplete', 'Failed', 'Aborted']);

/** Runs parts through the Bulk API 2.0 job lifecycle: create, upload, close, poll, download results. */
export class BulkJobRunner {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly props: BulkJobRunnerProps) {
    this.sleep = props.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = props.now ?? Date.now;
  }

  async run(part: JobPart): Promise<JobOutcome> {
    const { api, object, operation, externalIdField, limits } = this.props;
    const created = await api.createIngestJob({
      object,
      operation,
      ...(operation === 'upsert' && externalIdField ? { externalIdFieldName: externalIdField } : {}),
    });
    this.props.onState?.(part, created);
    await api.uploadJobData(created.id, part.path);
    let info = await api.closeJob(created.id);
    this.props.onState?.(part, info);
    const deadline = this.now() + limits.jobTimeoutMinutes * 60_000;
    let interval = limits.pollIntervalMs;
    let timedOut = false;
    while (!TERMINAL.has(info.state)) {
      if (this.now() >= deadline && !timedOut) {
        timedOut = true;
        info = await api.abortJob(created.id);
        this.props.onState?.(part, info);
        continue;
      }
      await this.sleep(interval);
      interval = Math.min(limits.pollMaxIntervalMs, Math.ceil(interval * 1.5));
      const next = await api.getJob(created.id);
      if (next.state !== info.state) this.props.onState?.(part, next);
      info = next;
    }
    const file = (kind: string) => join(this.props.workDir, `part-${part.index}-${kind}.csv`);
    const outcome: JobOutcome = {
      jobId: created.id,
      state: info.state,
      errorMessage: info.errorMessage,
      rowsUploaded: part.rows,
      numberRecordsProcessed: info.numberRecordsProcessed ?? 0,
      numberRecordsFailed: info.numberRecordsFailed ?? 0,
      successCsv: file('success'),
      failureCsv: file('failure'),
      unprocessedCsv: file('unprocessed'),
      timedOut,
    };
    await api.downloadResults(created.id, 'successfulResults', outcome.successCsv);
    await api.downloadResults(created.id, 'failedResults', outcome.failureCsv);
    await api.downloadResults(created.id, 'unprocessedrecords', outcome.unprocessedCsv);
    return outcome;
  }
}
