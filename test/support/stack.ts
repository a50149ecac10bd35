import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { AwsClients, createAwsClients } from '../../src/aws';
import { CliError } from '../../src/cli/exit-codes';
import { LoadCommandDeps, runLoadCommand } from '../../src/cli/load-command';
import { run } from '../../src/cli/main';
import { startStack, StackDescription } from '../../src/cli/stack-command';
import { LocalParts } from '../../src/local-parts';
import { ParquetLogWriter } from '../../src/pipeline';

/** The embedded default started in process for a test file, with helpers to put sources and read logs. */
export class TestStack {
  static async start(): Promise<TestStack> {
    const dir = mkdtempSync(join(tmpdir(), 'sfetl-stack-test-'));
    const { parts, description } = await startStack(dir);
    const aws = createAwsClients({ region: description.aws.region, endpoint: description.aws.endpoint });
    return new TestStack(parts, description, aws, dir);
  }

  private constructor(
    readonly parts: LocalParts,
    readonly description: StackDescription,
    readonly aws: AwsClients,
    readonly dir: string,
  ) {}

  get config(): string {
    return this.description.config;
  }

  async stop(): Promise<void> {
    await this.parts.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A copy of the stack's config with some settings changed, written to `name` in the stack's folder. */
  configWith(name: string, change: (config: Record<string, any>) => void): string {
    const config = parseYaml(readFileSync(this.config, 'utf8')) as Record<string, any>;
    change(config);
    const path = join(this.dir, name);
    writeFileSync(path, toYaml(config));
    return path;
  }

  async putSource(key: string, body: string | Buffer): Promise<string> {
    await this.aws.s3.send(new PutObjectCommand({ Bucket: this.description.buckets.source, Key: key, Body: body }));
    return `s3://${this.description.buckets.source}/${key}`;
  }

  /** Every key under a prefix of the log bucket. */
  async logKeys(prefix: string): Promise<string[]> {
    return listKeys(this.aws.s3, this.description.buckets.logs, prefix);
  }

  /** The rows of every Parquet file under an s3:// location, read back with DuckDB. */
  async readParquet(location: string): Promise<Record<string, string | null>[]> {
    const { bucket, prefix } = /^s3:\/\/(?<bucket>[^/]+)\/(?<prefix>.*)$/.exec(location)!.groups as {
      bucket: string;
      prefix: string;
    };
    const keys = (await listKeys(this.aws.s3, bucket, prefix)).filter((k) => k.endsWith('.parquet'));
    const rows: Record<string, string | null>[] = [];
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const key of keys) {
        const file = join(this.dir, `read-${rows.length}-${key.replace(/[^A-Za-z0-9]/g, '_')}`);
        const object = await this.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        await writeFile(file, await object.Body!.transformToByteArray());
        const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
        rows.push(...(reader.getRowObjectsJson() as Record<string, string | null>[]));
        rmSync(file);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    return rows;
  }

  /**
   * Rows of every Parquet file under some s3:// locations, and distinct values of one column among them,
   * counted by DuckDB without materialising the rows (for logs too big to read back row by row).
   */
  async countParquet(locations: readonly string[], column: string): Promise<{ rows: number; distinct: number }> {
    const files: string[] = [];
    for (const location of locations) {
      const { bucket, prefix } = /^s3:\/\/(?<bucket>[^/]+)\/(?<prefix>.*)$/.exec(location)!.groups as {
        bucket: string;
        prefix: string;
      };
      for (const key of (await listKeys(this.aws.s3, bucket, prefix)).filter((k) => k.endsWith('.parquet'))) {
        const file = join(this.dir, `count-${files.length}.parquet`);
        const object = await this.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        await writeFile(file, await object.Body!.transformToByteArray());
        files.push(file);
      }
    }
    if (files.length === 0) return { rows: 0, distinct: 0 };
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
      const reader = await connection.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT "${column}")::INTEGER AS d FROM read_parquet([${list}], union_by_name = true)`,
      );
      const [n, d] = reader.getRows()[0] as [number, number];
      return { rows: n, distinct: d };
    } finally {
      connection.closeSync();
      instance.closeSync();
      for (const file of files) rmSync(file, { force: true });
    }
  }

  /** An org's REST API with a fresh client-credentials session. */
  async orgQuery<T = Record<string, unknown>>(env: string, soql: string): Promise<{ totalSize: number; records: T[] }> {
    const records: T[] = [];
    let path = `/services/data/v66.0/query?q=${encodeURIComponent(soql)}`;
    let totalSize = 0;
    for (;;) {
      const page = await this.orgGet<{ totalSize: number; records: T[]; nextRecordsUrl?: string }>(env, path);
      totalSize = page.totalSize;
      records.push(...page.records);
      if (!page.nextRecordsUrl) break;
      path = page.nextRecordsUrl;
    }
    return { totalSize, records };
  }

  /** Ingest jobs an org has seen (to prove a failed preflight created none). */
  async jobCount(env: string): Promise<number> {
    return (await this.orgGet<{ records: unknown[] }>(env, '/services/data/v66.0/jobs/ingest')).records.length;
  }

  private orgGet<T>(env: string, path: string): Promise<T> {
    return orgGet<T>(this.description.orgs[env]!, path);
  }

  async resetOrgs(): Promise<void> {
    for (const org of Object.values(this.description.orgs)) await fetch(`${org.controlUrl}/reset`, { method: 'POST' });
  }
}

/** GET on an org's REST API with a fresh client-credentials token; a non-2xx answer fails the test by name. */
export async function orgGet<T>(org: StackDescription['orgs'][string], path: string): Promise<T> {
  const token = await fetch(`${org.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: org.clientId,
      client_secret: org.clientSecret,
    }),
  });
  if (!token.ok) throw new Error(`token request to ${org.loginUrl} answered ${token.status}: ${await token.text()}`);
  const { access_token: accessToken } = (await token.json()) as { access_token: string };
  const res = await fetch(`${org.instanceUrl}${path}`, { headers: { Authorization: `Bearer ${accessToken}` } });
  if (!res.ok) throw new Error(`GET ${path} on ${org.instanceUrl} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** Runs an `sfetl` command in process; the exit code and what it wrote to stdout (also as JSON lines) and stderr. */
export async function sfetlInProcess(args: readonly string[]) {
  const out = new Capture();
  const err = new Capture();
  const errWrite = process.stderr.write.bind(process.stderr);
  let code: number;
  process.stderr.write = ((chunk: string | Uint8Array) => err.stream.write(chunk)) as typeof process.stderr.write;
  try {
    code = await run(args, out.stream);
  } finally {
    process.stderr.write = errWrite;
  }
  return { code, out: out.text, err: err.text, json: out.jsonLines() };
}

/**
 * `sfetl load --output json` in process through the command's seams (environment, Parquet writer); the exit
 * code, the one line `sfetl` would print (as src/cli/main.ts turns a CliError into it) and the JSON events.
 */
export async function loadThroughSeams(args: readonly string[], seams: Omit<LoadCommandDeps, 'out' | 'err'>) {
  const out = new Capture();
  const err = new Capture();
  try {
    const code = await runLoadCommand(['--output', 'json', ...args], { ...seams, out: out.stream, err: err.stream });
    return { code, message: '', events: out.jsonLines() };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return { code: e.exitCode, message: e.message, events: out.jsonLines() };
  }
}

/** `sfetl load` in process with its Parquet writer swapped (see loadThroughSeams). */
export function loadWithWriter(args: readonly string[], parquet: () => Promise<ParquetLogWriter>) {
  return loadThroughSeams(args, { parquet });
}

/** Collects what a command writes. */
export class Capture {
  text = '';
  readonly stream = {
    write: (chunk: string | Uint8Array) => {
      this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    },
  } as unknown as NodeJS.WritableStream;

  jsonLines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
