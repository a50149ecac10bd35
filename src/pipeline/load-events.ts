/** What a load reports while it runs; the CLI renders these as progress on a terminal or JSON lines. */
export type LoadEvent =
  | {
      readonly type: 'run-started';
      readonly runId: string;
      readonly env: string;
      readonly objects: readonly string[];
      readonly dryRun: boolean;
    }
  | {
      readonly type: 'preflight-passed';
      readonly object: string;
      readonly files: number;
      readonly columns: readonly string[];
    }
  | {
      readonly type: 'object-started';
      readonly object: string;
      readonly operation: string;
      readonly files: number;
      readonly bytes: number;
    }
  | { readonly type: 'file-started'; readonly object: string; readonly source: string; readonly bytes: number }
  | {
      readonly type: 'part-ready';
      readonly object: string;
      readonly source: string;
      readonly part: number;
      readonly rows: number;
      readonly bytes: number;
    }
  | {
      readonly type: 'job-state';
      readonly object: string;
      readonly source: string;
      readonly part: number;
      readonly jobId: string;
      readonly state: string;
      /** Records the job has processed so far, as the last poll said; absent before the first poll. */
      readonly processed?: number;
    }
  | {
      readonly type: 'job-finished';
      readonly object: string;
      readonly source: string;
      readonly part: number;
      readonly jobId: string;
      readonly state: string;
      readonly success: number;
      readonly failure: number;
      readonly seconds: number;
    }
  | { readonly type: 'rows-rejected'; readonly object: string; readonly source: string; readonly rows: number }
  | {
      readonly type: 'log-written';
      readonly object: string;
      readonly status: 'success' | 'failure';
      readonly location: string;
      readonly rows: number;
    }
  | {
      readonly type: 'object-finished';
      readonly object: string;
      readonly rowsRead: number;
      readonly success: number;
      readonly failure: number;
      readonly rejected: number;
      readonly jobs: number;
      readonly seconds: number;
    }
  | {
      readonly type: 'run-finished';
      readonly runId: string;
      readonly env: string;
      readonly rowsRead: number;
      readonly success: number;
      readonly failure: number;
      readonly seconds: number;
      /** CPU time of this process (user + system) since it started. */
      readonly cpuSeconds: number;
      /** Peak resident memory of this process so far. */
      readonly maxRssMB: number;
    }
  | { readonly type: 'warning'; readonly object: string; readonly message: string }
  | {
      readonly type: 'file-skipped';
      readonly object: string;
      readonly source: string;
      readonly runId: string;
      readonly finishedAt: string;
    }
  | { readonly type: 'file-resumed'; readonly object: string; readonly source: string; readonly runId: string }
  | {
      /** An unfinished load of an earlier version of the file was settled before the new version's load. */
      readonly type: 'file-superseded';
      readonly object: string;
      readonly source: string;
      /** The run that started the earlier load. */
      readonly runId: string;
      /** Rows of the earlier version it loaded. */
      readonly loaded: number;
    }
  | {
      /** Rows of a part found already loaded by earlier loads, logged as such and not sent (--skip-loaded-rows). */
      readonly type: 'rows-already-loaded';
      readonly object: string;
      readonly source: string;
      readonly part: number;
      readonly rows: number;
    }
  | {
      readonly type: 'results-fetching';
      readonly object: string;
      readonly source: string;
      readonly part: number;
      readonly jobId: string;
    }
  | {
      /** A job's three result CSVs are saved; what it took, and what crossed the network for them. */
      readonly type: 'results-fetched';
      readonly object: string;
      readonly source: string;
      readonly part: number;
      readonly jobId: string;
      readonly seconds: number;
      /** Bytes of the CSVs saved. */
      readonly bytes: number;
      /** Bytes of the answers' bodies as received: less than `bytes` when the org compressed them. */
      readonly wireBytes: number;
      /** How many of the three answers came gzip-compressed. */
      readonly compressed: number;
    }
  | {
      readonly type: 'log-uploading';
      readonly object: string;
      readonly status: 'success' | 'failure';
      readonly location: string;
      readonly rows: number;
    }
  | {
      readonly type: 'rows-retried';
      readonly object: string;
      readonly source: string;
      readonly part: number;
      readonly attempt: number;
      readonly rows: number;
      readonly codes: readonly string[];
    }
  | {
      readonly type: 'partitions-registered';
      readonly object: string;
      readonly source: string;
      readonly partitions: number;
    }
  | { readonly type: 'lease-acquired'; readonly object: string; readonly expiresInSeconds: number }
  | { readonly type: 'stopping'; readonly reason: string };

export type LoadEventSink = (event: LoadEvent) => void;
