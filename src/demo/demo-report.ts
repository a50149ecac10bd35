import type { FailedRowSample } from '../report/report-look';

/** Rows by outcome. */
export interface OutcomeCounts {
  readonly success: number;
  readonly failure: number;
}

/** One load of one object in one env, as the load's own summary reported it. */
export interface DemoLoad extends OutcomeCounts {
  readonly env: string;
  readonly object: string;
  /** 1 for the first file, 2 for the later one. */
  readonly run: number;
  readonly runId: string;
  readonly rowsRead: number;
  /** Rows rejected before upload (SFETL_* codes). */
  readonly rejected: number;
  /** Rows sent again after a transient error (row locks), summed over retry rounds. */
  readonly retriedRows: number;
  /** The emulator's row-lock rate during this load (0: off). */
  readonly rowLockRate: number;
  /** The load's exit code: 0, or 2 when its failure rate was above the configured threshold. */
  readonly exitCode: number;
  readonly seconds: number;
}

/** Log rows of one run of one object in one env by status (one row per status). */
export interface LogCount {
  readonly env: string;
  readonly object: string;
  readonly runId: string;
  readonly status: 'success' | 'failure';
  readonly rows: number;
  /** The log directory's created_time (yyyyMMddHHmmss, UTC). */
  readonly createdTime: string;
}

/** A count per env and object. */
export interface EnvObjectCount {
  readonly env: string;
  readonly object: string;
  readonly count: number;
}

/** Failed rows per error code in one env and object. */
export interface ErrorCount {
  readonly env: string;
  readonly object: string;
  readonly code: string;
  readonly count: number;
}

/** Hive rows of one table in one env by status (the publish report's counts). */
export interface HiveCount {
  readonly env: string;
  readonly object: string;
  readonly status: string;
  readonly rows: number;
}

/** One failed row from the failure logs, as the report lists it. */
export type DemoFailure = FailedRowSample;

/** Everything the demo read back from the four places, before it is compared. */
export interface DemoSources {
  readonly generatedAt: string;
  readonly seed: number;
  /** Accounts in each env's first file. */
  readonly records: number;
  /** External-id prefix of the demo's records. */
  readonly prefix: string;
  readonly envs: readonly string[];
  /** In load order. */
  readonly objects: readonly string[];
  readonly loads: readonly DemoLoad[];
  readonly logCounts: readonly LogCount[];
  /** Distinct external ids with a success row in the logs: the records the org must hold. */
  readonly logRecords: readonly EnvObjectCount[];
  readonly logErrors: readonly ErrorCount[];
  /** The demo's records in each org (SOQL COUNT() filtered by the prefix). */
  readonly orgRecords: readonly EnvObjectCount[];
  readonly hiveCounts: readonly HiveCount[];
  readonly hiveDatabase: string;
  readonly failures: readonly DemoFailure[];
  /** All failed rows in the logs (the report lists at most `failures.length` of them). */
  readonly failuresTotal: number;
}

/** One env × object: what each place says. */
export interface DemoCell {
  readonly env: string;
  readonly object: string;
  /** Summed over the runs, from the loads' summaries. */
  readonly load: OutcomeCounts & { readonly rows: number; readonly retriedRows: number };
  readonly logs: OutcomeCounts & { readonly records: number };
  readonly org: { readonly records: number };
  readonly hive: OutcomeCounts;
  /** Failed rows per error code in the logs, most frequent first. */
  readonly errors: readonly { readonly code: string; readonly count: number }[];
  /** The first three of `errors`. */
  readonly topErrors: readonly { readonly code: string; readonly count: number }[];
  readonly agrees: boolean;
}

/** One run of one env over every object, for the runs-over-time chart. */
export interface DemoRunPoint extends OutcomeCounts {
  readonly env: string;
  readonly run: number;
  readonly runId: string;
  /** The latest created_time of the run's log directories (yyyyMMddHHmmss, UTC). */
  readonly createdTime: string;
  readonly rows: number;
}

/** The demo's outcome: the summary it prints, summary.json, and the model the HTML report is drawn from. */
export interface DemoReport {
  readonly generatedAt: string;
  readonly seed: number;
  readonly records: number;
  readonly prefix: string;
  readonly envs: readonly string[];
  readonly objects: readonly string[];
  readonly loads: readonly DemoLoad[];
  readonly cells: readonly DemoCell[];
  readonly runs: readonly DemoRunPoint[];
  /** Failed rows per error code over every env and object, most frequent first. */
  readonly errorCodes: readonly { readonly code: string; readonly count: number }[];
  readonly failures: readonly DemoFailure[];
  readonly failuresTotal: number;
  readonly hiveDatabase: string;
  /** One line per number that differs between the loads, the logs, the orgs and Hive; empty when all agree. */
  readonly mismatches: readonly string[];
}
