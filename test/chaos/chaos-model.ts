import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { sourceToken } from '../../src/catalog';
import { loadProcess, LoadProcessResult } from '../support/load-process';
import { seeded } from '../support/seeded-random';
import { TestStack } from '../support/stack';

/**
 * A model-based randomized test of `sfetl load` under the mistakes people make (issue 15): random sequences
 * of putting, replacing, correcting and deleting source files (good rows, rows the org refuses, rows the
 * loader rejects, stray quotes, duplicate rows, huge rows), loads killed at random moments by SIGKILL,
 * SIGTERM or SIGINT, plain reruns, --force, --skip-loaded-rows, console-style reruns with new run ids,
 * Glue-style resumes with the same run id, and two runners at once; on an insert object and an upsert one.
 *
 * After every step an oracle that knows only what was put in S3 and what the org and the logs hold checks:
 * - the records in the org are the rows the logs say were loaded (equal once no load is unfinished);
 * - each data line of each file version appears once per completed load of that version (at most once
 *   for an unfinished or superseded one), and no log file belongs to no load;
 * - no source line has more records than the loads asked for (no silent duplicate);
 * - no exit 0 while a line of a current file is unaccounted for; never exit 3;
 * - no lease outlives its killed holder by more than its lease time, and a run that ends gives its lease back.
 *
 * Every random choice comes from the seed; the seed and a replay command are printed on failure. Process
 * timing is not seeded, so a replay takes the same steps but may kill at slightly different moments.
 */

const ENV = 'dev';
const LEASE_SECONDS = 3;
const TOKEN = /\bQ\d+\b/g;

interface ObjectSpec {
  readonly name: 'Contact' | 'Account';
  readonly operation: 'insert' | 'upsert';
  readonly header: string;
  readonly folder: string;
  readonly keys: readonly string[];
}

const OBJECTS: readonly ObjectSpec[] = [
  {
    name: 'Account',
    operation: 'upsert',
    header: 'Ext_Id__c,Name,Description',
    folder: 'chaos/account/',
    keys: ['a0.csv', 'a1.csv'],
  },
  {
    name: 'Contact',
    operation: 'insert',
    header: 'LastName,Email,Description',
    folder: 'chaos/contact/',
    keys: ['c0.csv', 'c1.csv', 'c2.csv'],
  },
];

/** One version of a source file as the model wrote it. */
interface Version {
  readonly object: ObjectSpec;
  readonly key: string;
  readonly etag: string;
  readonly lines: readonly Line[];
}

interface Line {
  readonly text: string;
  /** The tokens the line carries (one per data line; the continuation line of a quoted value has none). */
  readonly tokens: readonly string[];
  /** How it was made, so a corrected version can fix it. */
  readonly kind: 'good' | 'bad-email' | 'columns' | 'long-value' | 'stray-quote' | 'multiline' | 'huge';
  readonly token: string;
}

export interface ChaosOptions {
  readonly seed: number;
  /** Stop starting new steps after this long. */
  readonly seconds: number;
  /** Stop after this many steps. @default no limit */
  readonly maxSteps?: number;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly seed: number;
  readonly steps: number;
  readonly loads: number;
  readonly kills: number;
  readonly exitCodes: Record<string, number>;
  readonly versions: number;
  readonly logRows: number;
  readonly seconds: number;
}

/** A failed check, with the step log so far. */
export class ChaosFailure extends Error {}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const stack = await TestStack.start();
  try {
    return await new Chaos(stack, options).run();
  } finally {
    await stack.stop();
  }
}

class Chaos {
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly trail: string[] = [];
  private readonly config: string;
  private readonly current = new Map<string, Version>();
  private readonly versions = new Map<string, Version>();
  /** Records each token may have in the org (insert object): what the loads so far asked for. */
  private readonly allowance = new Map<string, number>();
  /** Ledgers (loads) whose rows are in `allowance`. */
  private readonly counted = new Set<string>();
  private readonly logCache = new Map<string, { etag: string; rows: Record<string, string | null>[] }>();
  private nextToken = 1;
  private downloads = 0;
  private nextRun = 1;
  private lastRunId = '';
  private loads = 0;
  private kills = 0;
  private readonly exitCodes: Record<string, number> = {};
  private readonly scratch: string;

  constructor(
    private readonly stack: TestStack,
    private readonly options: ChaosOptions,
  ) {
    this.random = seeded(options.seed);
    this.log = options.log ?? (() => undefined);
    this.scratch = join(stack.dir, 'chaos');
    this.config = stack.configWith('chaos.yaml', (c) => {
      c.objects = OBJECTS.map((o, i) => ({
        name: o.name,
        source: `s3://${stack.description.buckets.source}/${o.folder}`,
        operation: o.operation,
        ...(o.operation === 'upsert' ? { externalIdField: 'Ext_Id__c' } : {}),
        loadOrder: i + 1,
      }));
      c.limits = {
        ...c.limits,
        maxJobRows: 25,
        concurrency: 2,
        pollIntervalMs: 20,
        pollMaxIntervalMs: 100,
        leaseSeconds: LEASE_SECONDS,
        failureRateThreshold: 0.5,
      };
    });
  }

  private note(line: string): void {
    this.trail.push(line);
    this.log(line);
  }

  private fail(message: string): never {
    throw new ChaosFailure(
      `${message}\nseed ${this.options.seed}; replay: npm run test:chaos -- --seed ${this.options.seed} --steps ${this.trail.length}\n` +
        `steps:\n${this.trail.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}`,
    );
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  async run(): Promise<ChaosReport> {
    const started = Date.now();
    await mkdir(this.scratch, { recursive: true });
    // Start with a file per object, so the first loads have work.
    for (const object of OBJECTS) await this.putFresh(object, object.keys[0]!);
    let steps = 0;
    while ((Date.now() - started) / 1000 < this.options.seconds && steps < (this.options.maxSteps ?? Infinity)) {
      await this.step();
      await this.check();
      steps++;
    }
    // Drain: plain reruns until every current file is done, then the strict checks.
    for (let i = 0; i < 12; i++) {
      const result = await this.load(['--skip-loaded-rows'], false);
      if (result.code === 4) await sleep(LEASE_SECONDS * 1000 + 300);
      else if (result.code === 0 || result.code === 2) break;
    }
    await this.check();
    const logRows = [...this.logCache.values()].reduce((n, f) => n + f.rows.length, 0);
    return {
      seed: this.options.seed,
      steps,
      loads: this.loads,
      kills: this.kills,
      exitCodes: this.exitCodes,
      versions: this.versions.size,
      logRows,
      seconds: (Date.now() - started) / 1000,
    };
  }

  // ---- steps -------------------------------------------------------------------------------------------

  private async step(): Promise<void> {
    const r = this.random();
    const object = this.pick(OBJECTS);
    const key = this.pick(object.keys);
    const existing = this.current.get(object.folder + key);
    if (r < 0.14) {
      await this.putFresh(object, key);
    } else if (r < 0.28 && existing) {
      await this.putCorrected(existing);
    } else if (r < 0.32 && existing) {
      await this.stack.aws.s3.send(
        new DeleteObjectCommand({ Bucket: this.stack.description.buckets.source, Key: object.folder + key }),
      );
      this.current.delete(object.folder + key);
      this.note(`delete ${object.folder}${key}`);
    } else if (r < 0.55) {
      await this.load([], this.chance(0.5));
    } else if (r < 0.72) {
      await this.load(['--skip-loaded-rows'], this.chance(0.4));
    } else if (r < 0.78) {
      await this.load(['--force'], this.chance(0.3));
    } else if (r < 0.86 && this.lastRunId !== '') {
      await this.load(['--run-id', this.lastRunId], this.chance(0.3));
    } else if (r < 0.93) {
      await this.twoRunners();
    } else {
      await this.load(['--skip-loaded-rows', '--force'], this.chance(0.3));
    }
  }

  private newLine(object: ObjectSpec, kind: Line['kind'], token = `Q${this.nextToken++}`): Line {
    const n = token.slice(1);
    const ext = `K${Math.floor(this.random() * 40)}`;
    const lead = object.name === 'Account' ? `${ext},${token}` : `${token},q${n}@example.com`;
    const account = object.name === 'Account';
    switch (kind) {
      case 'good':
        return { kind, token, tokens: [token], text: `${lead},plain ${n}` };
      case 'bad-email':
        // Accounts have no email: a name over 255 characters is the org's refusal there.
        return account
          ? { kind, token, tokens: [token], text: `${ext},${token} ${'n'.repeat(260)},too long` }
          : { kind, token, tokens: [token], text: `${token},q${n}.example.com,bad email` };
      case 'columns':
        return { kind, token, tokens: [token], text: `${lead},one,too many` };
      case 'long-value':
        return { kind, token, tokens: [token], text: `${lead},${'v'.repeat(33_000)}` };
      case 'stray-quote':
        return { kind, token, tokens: [token], text: `${lead},"O'Brien ${n}` };
      case 'multiline':
        return { kind, token, tokens: [token], text: `${lead},"two\nlines ${n}"` };
      case 'huge':
        return { kind, token, tokens: [token], text: `${lead},${'h'.repeat(450_000)}` };
    }
  }

  private randomKind(): Line['kind'] {
    const r = this.random();
    if (r < 0.78) return 'good';
    if (r < 0.85) return 'bad-email';
    if (r < 0.9) return 'columns';
    if (r < 0.92) return 'long-value';
    if (r < 0.95) return 'stray-quote';
    if (r < 0.99) return 'multiline';
    return 'huge';
  }

  private async putFresh(object: ObjectSpec, key: string): Promise<void> {
    const rows = 5 + Math.floor(this.random() * 80);
    const lines: Line[] = [];
    for (let i = 0; i < rows; i++) {
      const previous = lines.filter((l) => l.kind === 'good');
      lines.push(
        previous.length > 0 && this.chance(0.05) ? this.pick(previous) : this.newLine(object, this.randomKind()),
      );
    }
    await this.put(object, key, lines, 'put');
  }

  /** The daily fix: the same file with its bad lines corrected, good lines as they were, maybe a few more. */
  private async putCorrected(version: Version): Promise<void> {
    const lines = version.lines.map((l) =>
      l.kind === 'good' || l.kind === 'multiline' ? l : this.newLine(version.object, 'good', l.token),
    );
    for (let i = Math.floor(this.random() * 4); i > 0; i--) lines.push(this.newLine(version.object, 'good'));
    await this.put(version.object, version.key, lines, 'correct');
  }

  private async put(object: ObjectSpec, key: string, lines: readonly Line[], what: string): Promise<void> {
    const body = `${object.header}\n${lines.map((l) => l.text).join('\n')}\n`;
    const s3 = this.stack.aws.s3;
    const bucket = this.stack.description.buckets.source;
    await this.stack.putSource(object.folder + key, body);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: object.folder + key }));
    const version: Version = { object, key, etag: head.ETag!, lines };
    this.current.set(object.folder + key, version);
    this.versions.set(`${object.name} ${head.ETag}`, version);
    const kinds = new Map<string, number>();
    for (const l of lines) kinds.set(l.kind, (kinds.get(l.kind) ?? 0) + 1);
    this.note(`${what} ${object.folder}${key} ${head.ETag} (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})`);
  }

  private async twoRunners(): Promise<void> {
    const a = this.runId();
    const b = this.runId();
    this.note(`two runners at once: ${a}, ${b}`);
    const before = await this.orgTokens();
    const results = await Promise.all([this.spawn(a, [], undefined), this.spawn(b, [], undefined)]);
    await this.afterLoad(a, results[0], undefined, before);
    await this.afterLoad(b, results[1], undefined, before);
    if (results.some((r) => r.result.code === 4)) await sleep(300);
  }

  private runId(): string {
    return `chaos-${this.options.seed}-${this.nextRun++}`;
  }

  private async spawn(
    runId: string,
    extra: readonly string[],
    kill: { signal: NodeJS.Signals; after: number } | undefined,
  ) {
    let seen = 0;
    let killedAt = 0;
    const result = await loadProcess(
      ['--config', this.config, '--env', ENV, '--run-id', runId, ...extra.filter((a) => a !== '--run-id')],
      () => {
        if (kill && ++seen === kill.after) {
          killedAt = Date.now();
          return true;
        }
        return false;
      },
      kill?.signal,
    );
    this.loads++;
    if (killedAt > 0) this.kills++;
    this.exitCodes[String(result.code ?? result.signal)] =
      (this.exitCodes[String(result.code ?? result.signal)] ?? 0) + 1;
    return { result, killedAt };
  }

  private async load(options: readonly string[], killed: boolean): Promise<LoadProcessResult> {
    const sameRun = options[0] === '--run-id';
    const runId = sameRun ? options[1]! : this.runId();
    const extra = sameRun ? options.slice(2) : options;
    const kill = killed
      ? { signal: this.pick(['SIGKILL', 'SIGTERM', 'SIGINT'] as const), after: 1 + Math.floor(this.random() * 60) }
      : undefined;
    this.note(
      `load ${runId}${extra.length ? ` ${extra.join(' ')}` : ''}${kill ? ` (${kill.signal} after event ${kill.after})` : ''}`,
    );
    this.lastRunId = runId;
    const before = await this.orgTokens();
    const { result, killedAt } = await this.spawn(runId, extra, kill);
    await this.afterLoad(runId, { result, killedAt }, kill, before);
    if (result.code === 4) await sleep(LEASE_SECONDS * 1000 + 300);
    return result;
  }

  /** Checks what only the moment after a load can show, and records what the new loads asked for. */
  private async afterLoad(
    runId: string,
    { result, killedAt }: { result: LoadProcessResult; killedAt: number },
    kill: { signal: NodeJS.Signals } | undefined,
    before: Map<string, number>,
  ): Promise<void> {
    const { code } = result;
    const firstLine = result.stderr.trim().split('\n')[0] ?? '';
    this.note(`  → ${code ?? result.signal}${firstLine ? `: ${firstLine.slice(0, 160)}` : ''}`);
    if (code === 3) this.fail(`exit 3 (reconciliation mismatch) in ${runId}: ${result.stderr}`);
    if (result.stderr.includes('unexpected error')) this.fail(`a crash in ${runId}: ${result.stderr}`);
    if (!killedAt && code !== 0 && code !== 1 && code !== 2 && code !== 4) this.fail(`exit ${code} in ${runId}`);
    // Leases: a killed holder's lease ends within its lease time; a run that ended gave its lease back.
    for (const object of OBJECTS) {
      const lease = await this.lease(object);
      if (!lease || lease.runId !== runId) continue;
      if (kill?.signal === 'SIGKILL' && killedAt > 0) {
        const over = Date.parse(lease.expiresAt) - killedAt;
        if (over > LEASE_SECONDS * 1000 + 1_000) {
          this.fail(`the lease of killed ${runId} on ${object.name} ends ${over} ms after the kill`);
        }
      } else if (code !== null) {
        this.fail(`${runId} exited ${code} but still holds the lease on ${object.name} until ${lease.expiresAt}`);
      }
    }
    // What the loads started here asked for: every row of a version, or what skipping leaves.
    const ledgers = await this.ledgers();
    for (const ledger of ledgers) {
      if (this.counted.has(ledger.key)) continue;
      this.counted.add(ledger.key);
      if (ledger.object.operation !== 'insert') continue;
      for (const [token, occ] of counts(ledger.version.lines.flatMap((l) => l.tokens))) {
        const asked = ledger.state.skipLoadedRows ? Math.max(0, occ - (before.get(token) ?? 0)) : occ;
        this.allowance.set(token, (this.allowance.get(token) ?? 0) + asked);
      }
    }
    // Exit 0 only when every line of every current file is accounted for: each has a finished load.
    if (code === 0 && !killedAt) {
      for (const version of this.current.values()) {
        const done = ledgers.some((l) => l.version === version && l.state.status === 'done');
        if (!done) {
          this.fail(
            `${runId} exited 0 but ${version.object.folder}${version.key} ${version.etag} has no finished load`,
          );
        }
      }
    }
  }

  // ---- the oracle --------------------------------------------------------------------------------------

  private async check(): Promise<void> {
    const ledgers = await this.ledgers();
    const logs = await this.logRows();
    const byToken = new Map<string, Record<string, string | null>[]>();
    for (const file of logs) {
      const match = /^part-([0-9a-f]{16}(?:-l\d+)?)-/.exec(file.name);
      if (!match) this.fail(`a log file of no load: ${file.key}`);
      const list = byToken.get(`${file.object} ${match[1]}`) ?? [];
      list.push(...file.rows);
      byToken.set(`${file.object} ${match[1]}`, list);
    }
    const tokensOfLoads = new Set<string>();
    for (const ledger of ledgers) {
      const token = `${ledger.object.name} ${ledger.logToken}`;
      tokensOfLoads.add(token);
      const logged = counts((byToken.get(token) ?? []).flatMap((row) => rowTokens(ledger.object, row)));
      const expected = counts(ledger.version.lines.flatMap((l) => l.tokens));
      for (const [t, n] of logged) {
        const want = expected.get(t) ?? 0;
        if (n > want) this.fail(`${ledger.key}: line ${t} logged ${n} times, the version holds it ${want} times`);
      }
      if (ledger.state.status === 'done') {
        for (const [t, n] of expected) {
          if ((logged.get(t) ?? 0) !== n) {
            this.fail(`${ledger.key} is done but line ${t} is logged ${logged.get(t) ?? 0} times, not ${n}`);
          }
        }
      }
    }
    for (const token of byToken.keys()) if (!tokensOfLoads.has(token)) this.fail(`log files of no load: ${token}`);

    // The org against the logs.
    const unfinished = ledgers.some((l) => l.state.status === 'in-progress');
    for (const object of OBJECTS) {
      const org = await this.org(object);
      const orgIds = new Set(org.map((r) => r.Id));
      const success = logs.filter((f) => f.object === object.name && f.key.startsWith('success/'));
      const created = success.filter((f) => !f.name.endsWith('-skipped.parquet')).flatMap((f) => f.rows);
      for (const row of success.flatMap((f) => f.rows)) {
        if (!orgIds.has(row.sf__Id!)) {
          this.fail(`${object.name}: a success row's record ${row.sf__Id} is not in the org`);
        }
      }
      if (object.operation === 'insert') {
        const loggedIds = new Set(created.filter((r) => r.sf__Created === 'true').map((r) => r.sf__Id!));
        if (!unfinished && loggedIds.size !== orgIds.size) {
          this.fail(`${object.name}: ${orgIds.size} records in the org, ${loggedIds.size} created rows in the logs`);
        }
        for (const [token, n] of counts(org.map((r) => r.LastName))) {
          if (n > (this.allowance.get(token) ?? 0)) {
            this.fail(
              `${object.name}: line ${token} has ${n} records; the loads asked for ${this.allowance.get(token) ?? 0}`,
            );
          }
        }
      } else {
        for (const [ext, n] of counts(org.map((r) => r.Ext_Id__c))) {
          if (n > 1) this.fail(`Account ${ext}: ${n} records`);
        }
      }
    }
  }

  private async ledgers() {
    const bucket = this.stack.description.buckets.logs;
    const out: {
      key: string;
      object: ObjectSpec;
      version: Version;
      logToken: string;
      state: {
        status: string;
        skipLoadedRows?: boolean;
        load?: number;
        source: { bucket: string; key: string; etag: string };
      };
    }[] = [];
    for (const object of OBJECTS) {
      for (const key of await this.keys(bucket, `_sfetl/state/${ENV}/${object.name}/`)) {
        const body = await this.stack.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const state = JSON.parse(await body.Body!.transformToString()) as (typeof out)[number]['state'];
        const version = this.versions.get(`${object.name} ${state.source.etag}`);
        if (!version) this.fail(`ledger ${key} names a version nobody put: ${state.source.etag}`);
        const base = sourceToken(state.source);
        const load = state.load ?? 1;
        out.push({ key, object, version, logToken: load > 1 ? `${base}-l${load}` : base, state });
      }
    }
    return out;
  }

  private async logRows() {
    const bucket = this.stack.description.buckets.logs;
    const files: { key: string; name: string; object: string; rows: Record<string, string | null>[] }[] = [];
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const object of OBJECTS) {
        for (const status of ['success', 'failure']) {
          const page = await this.listWithEtags(bucket, `${status}/${object.name}/`);
          for (const [key, etag] of page) {
            if (!key.endsWith('.parquet') || !key.includes(`/env=${ENV}/`)) continue;
            let cached = this.logCache.get(key);
            if (!cached || cached.etag !== etag) {
              cached = { etag, rows: await this.readLog(connection, bucket, key) };
              this.logCache.set(key, cached);
            }
            files.push({ key, name: key.slice(key.lastIndexOf('/') + 1), object: object.name, rows: cached.rows });
          }
        }
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    return files;
  }

  /**
   * The rows of one log file. Each download gets a path of its own: DuckDB caches what it read of a file by
   * its path, so reusing one path for different files can mix them up.
   */
  private async readLog(
    connection: Awaited<ReturnType<DuckDBInstance['connect']>>,
    bucket: string,
    key: string,
  ): Promise<Record<string, string | null>[]> {
    let failure: unknown;
    // A second download tells a file that is broken in S3 from one that was read badly here.
    for (let attempt = 1; attempt <= 2; attempt++) {
      const file = join(this.scratch, `log-${this.downloads++}.parquet`);
      try {
        const body = await this.stack.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        await pipeline(body.Body as Readable, createWriteStream(file));
        const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
        if (attempt > 1) this.note(`  (the log file ${key} was read on a second download: ${String(failure)})`);
        return reader.getRowObjectsJson() as Record<string, string | null>[];
      } catch (err) {
        failure = err;
        if (attempt === 2) {
          const kept = join(tmpdir(), `sfetl-chaos-unreadable-${Date.now()}.parquet`);
          await copyFile(file, kept).catch(() => undefined);
          this.fail(`the log file s3://${bucket}/${key} cannot be read (kept as ${kept}): ${(err as Error).message}`);
        }
      } finally {
        await rm(file, { force: true });
      }
    }
    this.fail(`the log file s3://${bucket}/${key} cannot be read`);
  }

  private async org(object: ObjectSpec): Promise<{ Id: string; LastName: string; Ext_Id__c: string }[]> {
    const soql =
      object.name === 'Contact'
        ? "SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Q%'"
        : "SELECT Id, Ext_Id__c FROM Account WHERE Ext_Id__c LIKE 'K%'";
    return (await this.stack.orgQuery<{ Id: string; LastName: string; Ext_Id__c: string }>(ENV, soql)).records;
  }

  /** Records per token in the org (insert object). */
  private async orgTokens(): Promise<Map<string, number>> {
    const contact = OBJECTS.find((o) => o.name === 'Contact')!;
    return counts((await this.org(contact)).map((r) => r.LastName));
  }

  private async lease(object: ObjectSpec): Promise<{ runId: string; expiresAt: string } | undefined> {
    try {
      const body = await this.stack.aws.s3.send(
        new GetObjectCommand({
          Bucket: this.stack.description.buckets.logs,
          Key: `_sfetl/locks/${ENV}/${object.name}.json`,
        }),
      );
      return JSON.parse(await body.Body!.transformToString()) as { runId: string; expiresAt: string };
    } catch {
      return undefined;
    }
  }

  private async keys(bucket: string, prefix: string): Promise<string[]> {
    return [...(await this.listWithEtags(bucket, prefix)).keys()];
  }

  private async listWithEtags(bucket: string, prefix: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await this.stack.aws.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const c of page.Contents ?? []) out.set(c.Key!, c.ETag ?? '');
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }
}

/** The tokens a log row carries, in any uploaded column (a rejected line keeps its raw text in the first). */
function rowTokens(object: ObjectSpec, row: Record<string, string | null>): string[] {
  const columns = object.header.split(',');
  return columns.flatMap((c) => (row[c] ?? '').match(TOKEN) ?? []);
}

function counts(items: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(item, (out.get(item) ?? 0) + 1);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
