import { rm } from 'node:fs/promises';
import { PartAttempt, PartContext } from './part-attempt';
import { PartState } from './source-ledger';

/** One job of a part, as the run's result lists it. */
export interface JobRecord {
  readonly jobId: string;
  /** The source file the job's rows came from (s3://bucket/key). */
  readonly source: string;
  readonly part: number;
  readonly attempt: number;
  readonly state: string;
  readonly success: number;
  readonly failure: number;
  readonly retried: number;
  readonly seconds: number;
}

export interface PartLoaderProps {
  readonly context: PartContext;
  readonly part: PartState;
  /**
   * The part's rows as a CSV to send; undefined to settle only (see PartAttemptProps.data): jobs in flight
   * are awaited and logged, nothing new is sent, and the part is not marked done.
   */
  readonly data?: string;
  /** Told of every job that ended in this run. */
  readonly onJob: (job: JobRecord) => void;
}

/**
 * One part through its attempts: attempt 1 sends the part's rows; each later attempt sends the rows the
 * one before failed for a transient reason or left unprocessed, up to `maxRecordAttempts`. Attempts the
 * ledger says are logged are not run again: their passed-on rows are rebuilt from their job's results.
 */
export class PartLoader {
  constructor(private readonly props: PartLoaderProps) {}

  async run(): Promise<void> {
    const { context: ctx, part, data: partData } = this.props;
    const settleOnly = partData === undefined;
    let data = partData;
    for (let attempt = 1; ; attempt++) {
      ctx.shouldStop?.();
      const unit = new PartAttempt({ context: ctx, part, attempt, data });
      const logged = part.attempts.find((a) => a.attempt === attempt && a.phase === 'logged');
      let retryCsv: string | undefined;
      if (logged) {
        if (!logged.retried || settleOnly) break;
        retryCsv = await unit.retryData();
      } else {
        const outcome = await unit.run();
        if (outcome.kind === 'unsent') break;
        this.props.onJob({
          jobId: outcome.jobId,
          source: ctx.source,
          part: part.index,
          attempt,
          state: outcome.state,
          success: outcome.success,
          failure: outcome.failure,
          retried: outcome.retried,
          seconds: outcome.seconds,
        });
        if (data !== undefined && data !== partData) await rm(data, { force: true });
        if (outcome.retried === 0 || settleOnly) {
          if (outcome.retryCsv) await rm(outcome.retryCsv, { force: true });
          break;
        }
        ctx.emit({
          type: 'rows-retried',
          object: ctx.object,
          source: ctx.source,
          part: part.index,
          attempt: attempt + 1,
          rows: outcome.retried,
          codes: [...ctx.retryCodes],
        });
        retryCsv = outcome.retryCsv;
      }
      data = retryCsv;
    }
    if (partData !== undefined) await rm(partData, { force: true });
    if (!settleOnly) {
      part.done = true;
      await ctx.checkpoint();
    }
  }
}
