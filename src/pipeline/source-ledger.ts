import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { getJsonObject, putJsonObject, SourceFile } from '../s3';

/** Where one attempt of one part stands; written before each step that could be repeated. */
export interface AttemptState {
  /** 1 for the part's own rows; later attempts carry the rows the previous attempt failed transiently. */
  readonly attempt: number;
  jobId?: string;
  /**
   * created: the job exists, its upload may or may not have happened; uploaded: the data is in;
   * closed: processing was requested; logged: its results are in the logs; abandoned: aborted, its rows
   * went to a new attempt.
   */
  phase: 'created' | 'uploaded' | 'closed' | 'logged' | 'abandoned';
  state?: string;
  success?: number;
  failure?: number;
  retried?: number;
}

export interface PartState {
  readonly index: number;
  rows: number;
  /** Every row of the part has its final outcome in the logs. */
  done: boolean;
  attempts: AttemptState[];
}

/** The run state of one source file (by ETag) for one env and object (DESIGN.md §3). */
export interface SourceLedgerState {
  readonly version: 1;
  readonly env: string;
  readonly object: string;
  readonly source: { readonly bucket: string; readonly key: string; readonly etag: string; readonly size: number };
  /** The run that started it; a resumed run keeps writing into this run's log directories. */
  readonly runId: string;
  readonly createdTime: string;
  /** Split settings: a resumed run must cut the same parts. */
  readonly maxJobBytes: number;
  readonly maxJobRows: number;
  readonly uploadHeader: readonly string[];
  status: 'in-progress' | 'done';
  parts: PartState[];
  rowsRead?: number;
  rejected?: number;
  rejectsLogged: boolean;
  /** Rows the rejected-rows log holds, as its writer counted them; reconciliation adds these up, not `rejected`. */
  rejectsWritten?: number;
  readonly startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Runs that continued this file after its first run stopped. */
  resumedBy: string[];
}

/** A short, stable token of a source file version, used in state keys and log file names. */
export function sourceToken(file: SourceFile): string {
  return createHash('sha256').update(`${file.bucket}/${file.key}@${file.etag}`).digest('hex').slice(0, 16);
}

/** Reads and writes one source file's ledger in the log bucket, under the state prefix. */
export class SourceLedger {
  static keyFor(statePrefix: string, env: string, object: string, file: SourceFile): string {
    return `${statePrefix}state/${env}/${object}/${sourceToken(file)}.json`;
  }
  static async read(s3: S3Client, bucket: string, key: string): Promise<SourceLedger | undefined> {
    const state = await getJsonObject<SourceLedgerState>(s3, bucket, key);
    return state ? new SourceLedger(s3, bucket, key, state) : undefined;
  }
  static create(s3: S3Client, bucket: string, key: string, state: SourceLedgerState): SourceLedger {
    return new SourceLedger(s3, bucket, key, state);
  }

  private constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly key: string,
    readonly state: SourceLedgerState,
  ) {}

  part(index: number, rows: number): PartState {
    let part = this.state.parts.find((p) => p.index === index);
    if (!part) {
      part = { index, rows, done: false, attempts: [] };
      this.state.parts.push(part);
      this.state.parts.sort((a, b) => a.index - b.index);
    }
    return part;
  }

  async save(now: Date): Promise<void> {
    this.state.updatedAt = now.toISOString();
    await putJsonObject(this.s3, this.bucket, this.key, this.state);
  }
}
