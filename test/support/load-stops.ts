import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { ParquetLogWriter, StopSignal } from '../../src/pipeline';
import { SalesforceApi } from '../../src/salesforce';

/** Thrown where a test kills a run: from then on every call the run makes fails, as if its process were gone. */
export class Killed extends Error {
  constructor(where: string) {
    super(`killed ${where}`);
    this.name = 'Killed';
  }
}

/** Where a load talks to the outside: the org, S3, Glue, the Parquet writer. */
export type Seam = 'org' | 's3' | 'glue' | 'parquet';

/** One call of a run through a seam. */
export interface SeamCall {
  readonly seam: Seam;
  /** The org method (`createIngestJob`), the AWS command (`PutObjectCommand`) or `csvToParquet`. */
  readonly name: string;
  /** The S3 key, or the Parquet file's name. */
  readonly key?: string;
  /** A JSON body sent to S3 (ledgers, manifests). */
  readonly body?: string;
}

/** Where a run is stopped: the `nth` call (of those that `match`) through a seam, before or after it took effect. */
export interface StopPoint {
  readonly seam: Seam;
  readonly name: string;
  readonly when: 'before' | 'after';
  /** @default 1 */
  readonly nth?: number;
  /** @default every call of that name */
  readonly match?: (call: SeamCall) => boolean;
  /**
   * kill: every call from there on fails (kill -9: nothing else reaches the org or S3, the lease is not given
   * back); stop: the run's stop signal is set (SIGTERM: the run ends at its next step, state saved).
   * @default 'kill'
   */
  readonly how?: 'kill' | 'stop';
}

/** The org calls of a load's jobs: the ones a stop point can name, and the ones a killed run can no longer make. */
const INGEST_CALLS: ReadonlySet<string> = new Set([
  'createIngestJob',
  'uploadJobData',
  'closeJob',
  'getJob',
  'abortJob',
  'downloadResults',
]);

/**
 * The seams of one in-process run of `runLoad`, wrapped: each call is checked against a stop point, and every
 * upload is recorded with the rows it sent (by `keyColumn`).
 */
export class RunSeams {
  /** Set once the stop point was reached: says where. */
  reached: string | undefined;
  /** The run's stop signal (for `how: 'stop'`). */
  readonly stop: StopSignal = {};
  /** Job id → the `keyColumn` values of the rows uploaded to it. */
  readonly uploads = new Map<string, string[]>();
  private dead = false;
  private seen = 0;
  private readonly writers: ParquetLogWriter[] = [];

  constructor(
    private readonly keyColumn: string,
    private readonly point?: StopPoint,
  ) {}

  /** The org, with its job calls checked and uploads recorded. */
  org(api: SalesforceApi): SalesforceApi {
    return new Proxy(api, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function' || typeof prop !== 'string' || !INGEST_CALLS.has(prop)) return value;
        return async (...args: unknown[]) => {
          const call: SeamCall = { seam: 'org', name: prop };
          this.check(call, 'before');
          if (prop === 'uploadJobData') await this.recordUpload(args[0] as string, args[1] as string);
          const out: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          this.check(call, 'after');
          return out;
        };
      },
    });
  }

  /** Adds the check to every command of an AWS client (S3 or Glue), outside its retries. */
  aws<C extends S3Client | GlueClient>(client: C, seam: 's3' | 'glue'): C {
    const stack = client.middlewareStack as unknown as {
      add(middleware: unknown, options: { step: 'initialize'; name: string }): void;
    };
    stack.add(
      (next: (args: { input: Record<string, unknown> }) => Promise<unknown>, context: { commandName: string }) =>
        async (args: { input: Record<string, unknown> }) => {
          const { Key: key, Body: body } = args.input;
          const call: SeamCall = {
            seam,
            name: context.commandName,
            ...(typeof key === 'string' ? { key } : {}),
            ...(typeof body === 'string' ? { body } : {}),
          };
          this.check(call, 'before');
          const out = await next(args);
          this.check(call, 'after');
          return out;
        },
      { step: 'initialize', name: 'testStopPoint' },
    );
    return client;
  }

  /** Creates the real Parquet writer with its conversions checked (closed by `close`). */
  async parquet(): Promise<ParquetLogWriter> {
    const writer = await ParquetLogWriter.create();
    this.writers.push(writer);
    const convert = writer.csvToParquet.bind(writer);
    writer.csvToParquet = async (options) => {
      const call: SeamCall = { seam: 'parquet', name: 'csvToParquet', key: basename(options.output) };
      this.check(call, 'before');
      const out = await convert(options);
      this.check(call, 'after');
      return out;
    };
    return writer;
  }

  async close(): Promise<void> {
    for (const writer of this.writers) await writer.close();
  }

  private check(call: SeamCall, when: 'before' | 'after'): void {
    if (this.dead) throw new Killed(`earlier (${call.name} refused)`);
    const point = this.point;
    if (!point || this.reached !== undefined) return;
    if (point.seam !== call.seam || point.name !== call.name || point.when !== when) return;
    if (point.match && !point.match(call)) return;
    if (++this.seen !== (point.nth ?? 1)) return;
    this.reached = `${when} ${call.name} #${this.seen}${call.key ? ` (${call.key})` : ''}`;
    if (point.how === 'stop') {
      this.stop.reason = `test stop ${this.reached}`;
      return;
    }
    this.dead = true;
    throw new Killed(this.reached);
  }

  private async recordUpload(jobId: string, file: string): Promise<void> {
    const rows = parse(await readFile(file, 'utf8'), { columns: true }) as Record<string, string>[];
    this.uploads.set(jobId, [...(this.uploads.get(jobId) ?? []), ...rows.map((r) => r[this.keyColumn]!)]);
  }
}
