import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { LoadLimits } from '../../src/config';
import { BulkIngestApi, BulkJobRunner, LoadEvent, LogFile, LogSink, PartContext } from '../../src/pipeline';

/** The log files as S3 would hold them: one object per fixed name, a rewrite replaces it. */
export class MemoryLogs implements LogSink {
  readonly files = new Map<string, Record<string, string>[]>();
  before: (file: LogFile) => void = () => undefined;
  after: (file: LogFile) => void = () => undefined;

  async write(file: LogFile): Promise<number> {
    this.before(file);
    const rows = parse(await readFile(file.csv, 'utf8'), { columns: true }) as Record<string, string>[];
    const logged = rows.map((row) => {
      const out: Record<string, string> = {};
      for (const column of file.columns) out[column.name] = column.constant ?? row[column.from ?? column.name] ?? '';
      return out;
    });
    if (logged.length > 0) this.files.set(`${file.location}${file.name}`, logged);
    this.after(file);
    return logged.length;
  }

  /** Every logged row of a status. */
  rows(status: 'success' | 'failure'): Record<string, string>[] {
    return [...this.files].filter(([name]) => name.includes(`/${status}/`)).flatMap(([, rows]) => rows);
  }

  /** How often each value of `column` is in the logs of a status. */
  count(status: 'success' | 'failure', column: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const row of this.rows(status)) counts.set(row[column]!, (counts.get(row[column]!) ?? 0) + 1);
    return counts;
  }
}

export interface PartHarnessProps {
  readonly api: BulkIngestApi;
  readonly logs: LogSink;
  readonly limits: LoadLimits;
  readonly workDir: string;
  readonly uploadHeader: readonly string[];
  readonly checkpoint: () => Promise<void>;
  readonly events: LoadEvent[];
  /** @default a clock that moves 1 s per reading */
  readonly clock?: () => Date;
  /** @default no wait */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the file loader gives the parts of a Contact file, with the org, logs and ledger the test chose. */
export function partContext(props: PartHarnessProps): PartContext {
  let now = Date.parse('2026-12-06T00:00:00Z');
  const clock = props.clock ?? (() => new Date((now += 1000)));
  return {
    api: props.api,
    runner: new BulkJobRunner({
      api: props.api,
      object: 'Contact',
      operation: 'insert',
      limits: props.limits,
      workDir: props.workDir,
      clock,
      sleep: props.sleep ?? (async () => undefined),
    }),
    logger: props.logs,
    checkpoint: props.checkpoint,
    emit: (event) => props.events.push(event),
    clock,
    limits: props.limits,
    retryCodes: new Set(['UNABLE_TO_LOCK_ROW']),
    object: 'Contact',
    source: 's3://src/contacts.csv',
    uploadHeader: props.uploadHeader,
    target: {
      runId: 'r1',
      createdTime: '20261206000000',
      success: 's3://logs/success/Contact/run_id=r1/env=dev/created_time=20261206000000/',
      failure: 's3://logs/failure/Contact/run_id=r1/env=dev/created_time=20261206000000/',
    },
    token: 'v1',
    workDir: props.workDir,
  };
}
