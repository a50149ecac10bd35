import { S3Client } from '@aws-sdk/client-s3';
import { SourceVersion, StateLayout } from '../catalog';
import { getJsonObject, listObjectKeys, putJsonObject } from '../s3';
import type { MalformedFile } from './malformed-file';

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
  /** Rows of the part found already loaded by an earlier load and logged as such, not sent (--skip-loaded-rows). */
  alreadyLoaded?: number;
  attempts: AttemptState[];
}

/**
 * in-progress: being loaded (a rerun resumes it); done: every row is logged; superseded: the file changed
 * before this load finished, and a load of the new version settled the jobs it had in flight.
 */
export type LedgerStatus = 'in-progress' | 'done' | 'superseded';

/** The run state of one load of one source file version (by ETag) for one env and object (DESIGN.md §3). */
export interface SourceLedgerState {
  readonly version: 1;
  readonly env: string;
  readonly object: string;
  readonly source: { readonly bucket: string; readonly key: string; readonly etag: string; readonly size: number };
  /** 1 for the first load of this version; --force loads it again as 2, 3, … (absent in older ledgers: 1). */
  readonly load?: number;
  /** The run that started it; a resumed run keeps writing into this run's log directories. */
  readonly runId: string;
  /** The org loaded into (the token's org id), when known: a ledger of another org is no load into this one. */
  readonly orgId?: string;
  readonly createdTime: string;
  /** Split settings: a resumed run must cut the same parts. */
  readonly maxJobBytes: number;
  readonly maxJobRows: number;
  readonly uploadHeader: readonly string[];
  /** Rows already loaded into this env and object by other loads are skipped and logged, not sent again. */
  readonly skipLoadedRows?: boolean;
  status: LedgerStatus;
  parts: PartState[];
  rowsRead?: number;
  rejected?: number;
  rejectsLogged: boolean;
  /** Rows the rejected-rows log holds, as its writer counted them; reconciliation adds these up, not `rejected`. */
  rejectsWritten?: number;
  /** Where the file stopped being readable as CSV, if it did. */
  malformedFrom?: MalformedFile;
  readonly startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Runs that continued this file after its first run stopped. */
  resumedBy: string[];
  /** Set when status is superseded: the version and run that settled this load. */
  supersededBy?: { readonly etag: string; readonly runId: string; readonly at: string };
}

/** Where ledgers are kept, by key: the log bucket in a run, memory in a test. */
export interface LedgerStore {
  read(key: string): Promise<SourceLedgerState | undefined>;
  write(key: string, state: SourceLedgerState): Promise<void>;
}

/** Ledgers as JSON objects in the log bucket, under the state prefix (catalog/state-layout.ts). */
export class S3LedgerStore implements LedgerStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  read(key: string): Promise<SourceLedgerState | undefined> {
    return getJsonObject<SourceLedgerState>(this.s3, this.bucket, key);
  }

  async write(key: string, state: SourceLedgerState): Promise<void> {
    await putJsonObject(this.s3, this.bucket, key, state);
  }
}

/** Ledgers kept as JSON text in memory: what was saved, not the live object (a test's crash loses the rest). */
export class MemoryLedgerStore implements LedgerStore {
  private readonly saved = new Map<string, string>();

  async read(key: string): Promise<SourceLedgerState | undefined> {
    const text = this.saved.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as SourceLedgerState);
  }

  async write(key: string, state: SourceLedgerState): Promise<void> {
    this.saved.set(key, JSON.stringify(state));
  }
}

/** Reads and writes one load's ledger (in the log bucket, under the state prefix: catalog/state-layout.ts). */
export class SourceLedger {
  /**
   * Every ledger of a source key for one env and object: all versions, all loads, oldest load first; and a
   * ledger of this very version kept where ledgers were before they were grouped by key.
   */
  static async history(
    s3: S3Client,
    bucket: string,
    layout: StateLayout,
    env: string,
    object: string,
    file: SourceVersion,
  ): Promise<SourceLedger[]> {
    const keys = (await listObjectKeys(s3, bucket, layout.sourceFolder(env, object, file))).filter((k) =>
      k.endsWith('.json'),
    );
    const ledgers: SourceLedger[] = [];
    for (const key of [layout.legacyLedger(env, object, file), ...keys]) {
      const ledger = await SourceLedger.read(s3, bucket, key);
      if (ledger) ledgers.push(ledger);
    }
    return ledgers.sort((a, b) => a.state.startedAt.localeCompare(b.state.startedAt) || a.load - b.load);
  }

  static read(s3: S3Client, bucket: string, key: string): Promise<SourceLedger | undefined> {
    return SourceLedger.load(new S3LedgerStore(s3, bucket), key);
  }

  static create(s3: S3Client, bucket: string, key: string, state: SourceLedgerState): SourceLedger {
    return new SourceLedger(new S3LedgerStore(s3, bucket), key, state);
  }

  /** The ledger saved under `key` in `store`, if any. */
  static async load(store: LedgerStore, key: string): Promise<SourceLedger | undefined> {
    const state = await store.read(key);
    return state ? new SourceLedger(store, key, state) : undefined;
  }

  /** A new ledger under `key` in `store` (saved at its first `save`). */
  static begin(store: LedgerStore, key: string, state: SourceLedgerState): SourceLedger {
    return new SourceLedger(store, key, state);
  }

  /** The last write sent (see {@link save}). */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: LedgerStore,
    readonly key: string,
    readonly state: SourceLedgerState,
  ) {}

  get load(): number {
    return this.state.load ?? 1;
  }

  /** Whether this ledger is of the given version of its source file. */
  isVersion(file: { readonly etag: string; readonly size: number }): boolean {
    return this.state.source.etag === file.etag && this.state.source.size === file.size;
  }

  /** Rows this load wrote to the success log (loaded, or found already loaded). */
  get successRows(): number {
    let n = 0;
    for (const p of this.state.parts) {
      n += p.alreadyLoaded ?? 0;
      for (const a of p.attempts) n += a.success ?? 0;
    }
    return n;
  }

  /** Rows this load wrote to the failure log (rejected before upload included). */
  get failureRows(): number {
    let n = this.state.rejectsWritten ?? (this.state.rejectsLogged ? (this.state.rejected ?? 0) : 0);
    for (const p of this.state.parts) for (const a of p.attempts) n += a.failure ?? 0;
    return n;
  }

  part(index: number, rows: number): PartState {
    let part = this.state.parts.find((p) => p.index === index);
    if (!part) {
      part = { index, rows, done: false, attempts: [] };
      this.state.parts.push(part);
      this.state.parts.sort((a, b) => a.index - b.index);
    }
    return part;
  }

  /**
   * Saves the ledger as it is now. The parts of a file run at once and each saves at its checkpoints; the
   * store keeps the write that arrives last (S3 does), so two writes in flight could leave an older state
   * over a newer one — a job id recorded by one part lost behind another part's earlier save. Writes
   * therefore go one after another, each taking the state as it is when it is sent.
   */
  save(now: Date): Promise<void> {
    this.state.updatedAt = now.toISOString();
    const write = this.writing.then(() => this.store.write(this.key, this.state));
    this.writing = write.catch(() => undefined);
    return write;
  }
}
