import type { FailedRowSample } from './failure-rows-html';

/** Failed rows of one error code. */
export interface ErrorCodeCount {
  readonly code: string;
  readonly count: number;
}

/** One source file of one object in one run, as the run's manifest lists it. */
export interface ReportSource {
  readonly uri: string;
  readonly rowsRead: number;
  readonly success: number;
  readonly failure: number;
  readonly rejected: number;
}

/** One object of one run in one env: the logs' counts, and what only the run's manifest knows. */
export interface ReportObjectRun {
  readonly env: string;
  readonly object: string;
  readonly runId: string;
  /** The latest created_time of the run's log directories of this object (yyyyMMddHHmmss, UTC). */
  readonly createdTime: string;
  /** Success rows + failure rows in the logs (a reconciled run read exactly these). */
  readonly rowsRead: number;
  /** Success rows in the logs. */
  readonly loaded: number;
  /** Failure rows in the logs, rejected rows included. */
  readonly failed: number;
  /** Failure rows with a project code (SFETL_*): rejected before upload. */
  readonly rejected: number;
  /** Rows sent again after a transient error, from the manifest; null without one. */
  readonly retried: number | null;
  /** Bulk jobs of the run, from the manifest; null without one. */
  readonly jobs: number | null;
  /** The object's load time in seconds, from the manifest; null without one. */
  readonly seconds: number | null;
  /** Failed rows per error code, most frequent first. */
  readonly errors: readonly ErrorCodeCount[];
  readonly sources: readonly ReportSource[];
  /** The manifest's s3:// URI; null when the run wrote none (it stopped before the end). */
  readonly manifest: string | null;
}

/** One run of one object in one env, for the trend chart. */
export interface ReportTrendPoint {
  readonly env: string;
  readonly object: string;
  readonly runId: string;
  readonly createdTime: string;
  readonly success: number;
  readonly failure: number;
}

/** A failed row of the sample, values as the log holds them; empty field values left out. */
export type ReportFailure = FailedRowSample;

/** What `sfetl report` draws: aggregates of the chosen runs, their history and a bounded sample of failed rows. */
export interface RunReport {
  readonly generatedAt: string;
  /** Which runs, in words (e.g. "run run-1 in dev", "dev, 2026-12-01 to 2026-12-06"). */
  readonly selection: string;
  /** The Glue log database read. */
  readonly database: string;
  /** Runs of the history shown per env and object. */
  readonly history: number;
  /** Sorted by env, object, created time. */
  readonly runs: readonly ReportObjectRun[];
  /** Failed rows per error code over every chosen run, most frequent first. */
  readonly errorCodes: readonly ErrorCodeCount[];
  /** Up to `history` latest runs of each env and object of the chosen runs, oldest first. */
  readonly trend: readonly ReportTrendPoint[];
  readonly failures: readonly ReportFailure[];
  /** Failed rows of the chosen runs (the sample shows at most a few per run and code). */
  readonly failuresTotal: number;
  /** Where a manifest and the logs disagree; empty when they agree. */
  readonly mismatches: readonly string[];
}
