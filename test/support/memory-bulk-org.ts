import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { BulkIngestApi } from '../../src/pipeline';
import { IngestJobInfo, ResultDownload, ResultKind } from '../../src/salesforce';

/** The calls of a part attempt to the org, named for crash points. */
export type OrgCall = 'create' | 'upload' | 'close' | 'poll' | 'abort' | 'download';

interface Job {
  info: IngestJobInfo;
  header?: string[];
  rows?: string[][];
  success: string[][];
  failed: string[][];
  unprocessed: string[][];
  /** Set when processed (at close); reported from the first poll after it. */
  counts?: { numberRecordsProcessed: number; numberRecordsFailed: number };
}

/**
 * A Bulk API 2.0 org in memory, behind the same calls `SalesforceApi` makes for a part attempt: one upload per
 * job, a job processes every row when it is closed (reported JobComplete from the next poll), aborting an Open job processes
 * nothing. A row with an empty Email fails REQUIRED_FIELD_MISSING; a row whose Email starts with `lock` fails
 * UNABLE_TO_LOCK_ROW the first time it is processed. `inserted` counts each Email the org stored.
 * `after(call)` runs after the org did the call's work and before the caller gets the answer (a crash there
 * loses the answer, not the effect); `before(call)` when the call arrives (a dead process makes no more calls).
 */
export class MemoryBulkOrg implements BulkIngestApi {
  readonly inserted = new Map<string, number>();
  private readonly jobs = new Map<string, Job>();
  private readonly locked = new Set<string>();
  private nextId = 1;
  after: (call: OrgCall) => void = () => undefined;
  /** Runs when a call arrives, before the org does anything. */
  before: (call: OrgCall) => void = () => undefined;

  async createIngestJob(request: { object: string; operation: string }): Promise<IngestJobInfo> {
    this.before('create');
    const id = `750${String(this.nextId++).padStart(15, '0')}`;
    const info: IngestJobInfo = { id, state: 'Open', object: request.object, operation: request.operation };
    this.jobs.set(id, { info, success: [], failed: [], unprocessed: [] });
    this.after('create');
    return info;
  }

  async uploadJobData(jobId: string, file: string): Promise<void> {
    this.before('upload');
    const job = this.job(jobId);
    if (job.info.state !== 'Open' || job.rows) throw new Error(`job ${jobId} takes no upload in ${job.info.state}`);
    const [header, ...rows] = parse(await readFile(file, 'utf8')) as string[][];
    job.header = header;
    job.rows = rows;
    this.after('upload');
  }

  async closeJob(jobId: string): Promise<IngestJobInfo> {
    this.before('close');
    const job = this.job(jobId);
    if (job.info.state !== 'Open') throw new Error(`job ${jobId} is ${job.info.state}`);
    // A closed job is processed whether or not anyone polls it again (as an org does).
    this.process(job);
    job.info = { ...job.info, state: 'UploadComplete' };
    this.after('close');
    return job.info;
  }

  async getJob(jobId: string): Promise<IngestJobInfo> {
    this.before('poll');
    const job = this.job(jobId);
    if (job.info.state === 'UploadComplete') job.info = { ...job.info, state: 'JobComplete', ...job.counts };
    this.after('poll');
    return job.info;
  }

  async abortJob(jobId: string): Promise<IngestJobInfo> {
    this.before('abort');
    const job = this.job(jobId);
    if (job.info.state === 'Open') {
      job.unprocessed = job.rows ?? [];
      job.info = { ...job.info, state: 'Aborted', numberRecordsProcessed: 0 };
    }
    this.after('abort');
    return job.info;
  }

  async downloadResults(jobId: string, kind: ResultKind, file: string): Promise<ResultDownload> {
    this.before('download');
    const job = this.job(jobId);
    const header = job.header ?? ['LastName', 'Email'];
    const lines =
      kind === 'successfulResults'
        ? [['sf__Id', 'sf__Created', ...header], ...job.success]
        : kind === 'failedResults'
          ? [['sf__Id', 'sf__Error', ...header], ...job.failed]
          : [header, ...job.unprocessed];
    const text = stringify(lines);
    await writeFile(file, text);
    this.after('download');
    const bytes = Buffer.byteLength(text);
    return { bytes, wireBytes: bytes, compressed: false };
  }

  private job(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    return job;
  }

  private process(job: Job): void {
    const email = job.header!.indexOf('Email');
    let failed = 0;
    for (const row of job.rows ?? []) {
      const value = row[email]!;
      if (value === '') {
        job.failed.push(['', 'REQUIRED_FIELD_MISSING:Required fields are missing: [Email]:Email --', ...row]);
        failed++;
      } else if (value.startsWith('lock') && !this.locked.has(value)) {
        this.locked.add(value);
        job.failed.push(['', 'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--', ...row]);
        failed++;
      } else {
        this.inserted.set(value, (this.inserted.get(value) ?? 0) + 1);
        job.success.push([`003${String(this.inserted.size).padStart(15, '0')}`, 'true', ...row]);
      }
    }
    job.counts = { numberRecordsProcessed: job.rows?.length ?? 0, numberRecordsFailed: failed };
  }
}
