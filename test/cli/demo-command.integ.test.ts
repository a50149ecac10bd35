import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { createAwsClients } from '../../src/aws';
import { StackDescription } from '../../src/cli/stack-command';
import { DemoReport, generateSampleData } from '../../src/demo';
import { PNG_SIGNATURE, renderReport } from '../support/report-page';
import { orgGet } from '../support/stack';

// Each demo starts the stack and local Spark: ~30-60 s on a busy 2-core runner.
jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sfetl.js');
const OBJECTS = ['Account', 'Contact', 'Invoice__c'] as const;
const SOQL_KEY: Record<string, string> = {
  Account: 'Ext_Id__c',
  Contact: 'Ext_Id__c',
  Invoice__c: 'Invoice_Number__c',
};

/** A running `sfetl demo` child: its output so far and its exit. */
class Demo {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [BIN, 'demo', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((done) => this.child.on('exit', (code) => done(code)));
  }

  /** Resolves with stdout once a line matching `pattern` was printed; fails if the process ends first. */
  waitFor(pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: this.child.stdout! });
      lines.on('line', () => {
        if (pattern.test(this.stdout)) {
          lines.close();
          resolve(this.stdout);
        }
      });
      void this.exited.then((code) => reject(new Error(`demo exited ${code} first:\n${this.stdout}\n${this.stderr}`)));
    });
  }

  interrupt(): void {
    this.child.kill('SIGINT');
  }
}

interface PrintedCell {
  rows: number;
  success: number;
  failure: number;
  rate: string;
  topErrors: string;
  sources: number[];
  agree: string;
}

/** The two tables `sfetl demo` prints, keyed by "env object". */
function parsePrinted(stdout: string): Map<string, PrintedCell> {
  const cells = new Map<string, PrintedCell>();
  for (const m of stdout.matchAll(/^(\w+) +(Account|Contact|Invoice__c) +(\d+) +(\d+) +(\d+) +([\d.]+%) +(.+)$/gm)) {
    cells.set(`${m[1]} ${m[2]}`, {
      rows: Number(m[3]),
      success: Number(m[4]),
      failure: Number(m[5]),
      rate: m[6]!,
      topErrors: m[7]!,
      sources: [],
      agree: '',
    });
  }
  const sourceLine =
    /^(\w+) +(Account|Contact|Invoice__c) +(\d+)\/(\d+) +(\d+)\/(\d+) +(\d+) +(\d+) +(\d+)\/(\d+) +(yes|NO)$/gm;
  for (const m of stdout.matchAll(sourceLine)) {
    const cell = cells.get(`${m[1]} ${m[2]}`)!;
    cell.sources = m.slice(3, 11).map(Number);
    cell.agree = m[11]!;
  }
  return cells;
}

/** Every Parquet file under s3://<bucket>/<prefix>, as rows, read with DuckDB. */
async function readLogRows(
  description: StackDescription,
  prefix: string,
  scratch: string,
): Promise<Record<string, string | null>[]> {
  const aws = createAwsClients({ region: description.aws.region, endpoint: description.aws.endpoint });
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: description.buckets.logs, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((c) => c.Key!).filter((k) => k.endsWith('.parquet')));
    token = page.NextContinuationToken;
  } while (token);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const rows: Record<string, string | null>[] = [];
  try {
    for (const [i, key] of keys.entries()) {
      const file = join(scratch, `log-${i}.parquet`);
      const body = await aws.s3.send(new GetObjectCommand({ Bucket: description.buckets.logs, Key: key }));
      writeFileSync(file, await body.Body!.transformToByteArray());
      const [, status, object, runId, env] = /^(success|failure)\/([^/]+)\/run_id=([^/]+)\/env=([^/]+)\//.exec(key)!;
      const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
      for (const row of reader.getRowObjectsJson() as Record<string, string | null>[]) {
        rows.push({ ...row, status: status!, object: object!, env: env!, runId: runId! });
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return rows;
}

/** Rows by env and status in the Hive warehouse the demo's publish wrote, read with DuckDB from the files. */
async function readHive(hiveDir: string, table: string): Promise<Map<string, number>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const glob = join(hiveDir, 'warehouse', 'sfetl.db', table, 'env=*', 'run_id=*', '*.parquet');
    const reader = await connection.runAndReadAll(
      `SELECT env, status, count(*)::INTEGER AS n FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY env, status`,
    );
    const counts = new Map<string, number>();
    for (const r of reader.getRowObjectsJson() as { env: string; status: string; n: number }[]) {
      counts.set(`${r.env} ${r.status}`, Number(r.n));
    }
    return counts;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** SOQL on an org through its REST API with a fresh client-credentials token. */
async function orgCount(description: StackDescription, env: string, soql: string): Promise<number> {
  const path = `/services/data/v66.0/query?q=${encodeURIComponent(soql)}`;
  return (await orgGet<{ totalSize: number }>(description.orgs[env]!, path)).totalSize;
}

/** Whether anything still answers at a URL (a stopped stack must refuse connections). */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

function runShell(command: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn('bash', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, out, err })));
}

describe('sfetl demo', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sfetl-demo-test-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('--all-envs --keep: the printed summary equals summary.json, the logs, the orgs and Hive', async () => {
    const out = join(scratch, 'all-envs');
    const seed = 5;
    const records = 40;
    const demo = new Demo(['--all-envs', '--keep', '--records', String(records), '--seed', String(seed), '--out', out]);
    const stdout = await demo.waitFor(/^Press Ctrl-C to stop the stack\.$/m);
    try {
      const report = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as DemoReport;
      const description = JSON.parse(stdout.split('\n').find((l) => l.startsWith('{"orgs"'))!) as StackDescription;
      const printed = parsePrinted(stdout);
      expect(report.envs).toEqual(['dev', 'qa', 'uat', 'prod']);
      expect(report.mismatches).toEqual([]);
      expect(printed.size).toBe(12);
      expect(stdout).toMatch(/^The loads, the logs, the orgs and Hive \(sfetl\.\*\) agree on every number\.$/m);
      expect(stdout).toContain(`Report: ${join(out, 'report.html')}`);

      const logRows = await readLogRows(description, '', scratch);
      for (const env of report.envs) {
        const data = generateSampleData({ seed, env, accounts: records });
        for (const object of OBJECTS) {
          const where = `${env} ${object}`;
          const cell = report.cells.find((c) => c.env === env && c.object === object)!;
          const p = printed.get(where)!;
          // (0) The printed numbers are summary.json's.
          expect([where, p.rows, p.success, p.failure]).toEqual([
            where,
            cell.load.rows,
            cell.load.success,
            cell.load.failure,
          ]);
          expect(p.sources).toEqual([
            cell.load.success,
            cell.load.failure,
            cell.logs.success,
            cell.logs.failure,
            cell.logs.records,
            cell.org.records,
            cell.hive.success,
            cell.hive.failure,
          ]);
          expect(p.agree).toBe('yes');
          expect(p.topErrors).toBe(cell.topErrors.map((e) => `${e.code} ${e.count}`).join(', ') || '-');

          // (a) The logs, read here from the Parquet files: one row per source row, failures where planned.
          const files = data.files.filter((f) => f.object === object);
          const mine = logRows.filter((r) => r.env === env && r.object === object);
          const success = mine.filter((r) => r.status === 'success');
          const failure = mine.filter((r) => r.status === 'failure');
          expect([where, mine.length]).toEqual([where, files.reduce((n, f) => n + f.rows, 0)]);
          expect([where, success.length, failure.length]).toEqual([where, cell.load.success, cell.load.failure]);
          const failed = new Map(failure.map((r) => [`${r.runId} ${keyOf(r, object)}`, r.sf__Error!.split(':')[0]]));
          const planned = new Map<string, string>();
          for (const file of files) {
            const runId = report.loads.find((l) => l.env === env && l.object === object && l.run === file.run)!.runId;
            for (const [key, code] of file.bad) planned.set(`${runId} ${key}`, code);
          }
          for (const [key, code] of planned) expect([where, key, failed.get(key)]).toEqual([where, key, code]);
          // Anything else that failed is a row lock that outlasted the retries (only during the locked load).
          const extra = [...failed].filter(([key]) => !planned.has(key));
          for (const [, code] of extra) expect([where, code]).toEqual([where, 'UNABLE_TO_LOCK_ROW']);
          if (object !== 'Contact') expect([where, extra]).toEqual([where, []]);

          // (b) The org holds exactly the records whose external id has a success row.
          const loadedKeys = new Set(success.map((r) => keyOf(r, object)));
          const inOrg = await orgCount(
            description,
            env,
            `SELECT COUNT() FROM ${object} WHERE ${SOQL_KEY[object]} LIKE 'DEMO${seed}-%'`,
          );
          expect([where, inOrg, loadedKeys.size]).toEqual([where, cell.org.records, cell.logs.records]);

          // (c) Hive, read here from the warehouse's Parquet files.
          const hive = await readHive(join(out, 'hive'), object.toLowerCase());
          expect([where, hive.get(`${env} success`) ?? 0, hive.get(`${env} failure`) ?? 0]).toEqual([
            where,
            success.length,
            failure.length,
          ]);
        }
      }
      // The burst of row locks made the runner retry rows in every env.
      for (const env of report.envs) {
        const locked = report.loads.find((l) => l.env === env && l.object === 'Contact' && l.run === 1)!;
        expect(locked.rowLockRate).toBe(0.1);
        expect(locked.retriedRows).toBeGreaterThan(0);
        expect(stdout).toMatch(
          new RegExp(
            `^row locks: ${env} Contact run 1 ran with 10% of records locked: ${locked.retriedRows} rows were retried`,
            'm',
          ),
        );
      }

      // The HTML report shows the run's numbers.
      const page = await renderReport(join(out, 'report.html'), join(scratch, 'report.png'));
      expect(page.screenshot.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(page.successBars.map((b) => b.text)).toEqual(
        report.cells.map((c) => `${((100 * c.logs.success) / (c.logs.success + c.logs.failure)).toFixed(2)}%`),
      );
      expect(page.failureRows.map((r) => r.key).sort()).toEqual(
        logRows
          .filter((r) => r.status === 'failure')
          .map((r) => keyOf(r, r.object!))
          .sort(),
      );

      // The commands --keep suggests work against the kept stack.
      const commands = stdout
        .split('\n')
        .filter((l) => l.startsWith('  npx sfetl '))
        .map((l) => l.trim());
      expect(commands.map((c) => c.split(' ').slice(0, 4).join(' '))).toEqual([
        'npx sfetl load --config',
        'npx sfetl logs query',
        'npx sfetl logs query',
        'npx sfetl publish --config',
      ]);
      for (const command of commands) {
        const result = await runShell(command);
        expect([command, result.code, result.err.split('\n').filter((l) => /error|failed/i.test(l))]).toEqual([
          command,
          0,
          [],
        ]);
      }
    } finally {
      demo.interrupt();
    }
    expect(await demo.exited).toBe(0);
    expect(demo.stderr).toMatch(/stack stopped, nothing left running/);
    const description = JSON.parse(stdout.split('\n').find((l) => l.startsWith('{"orgs"'))!) as StackDescription;
    expect(await answers(description.orgs.dev!.instanceUrl)).toBe(false);
    expect(await answers(description.aws.endpoint)).toBe(false);
  });

  test('without --keep it stops everything it started and exits 0', async () => {
    const out = join(scratch, 'dev-only');
    const demo = new Demo(['--records', '20', '--seed', '9', '--out', out, '--master', 'local[1]']);
    expect(await demo.exited).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as DemoReport;
    expect(report.envs).toEqual(['dev']);
    expect(parsePrinted(demo.stdout).size).toBe(3);
    const config = readFileSync(join(out, 'stack', 'sfetl-stack.yaml'), 'utf8');
    for (const url of config.match(/http:\/\/127\.0\.0\.1:\d+/g)!) {
      expect([url, await answers(url)]).toEqual([url, false]);
    }
  });

  test('a bad option exits 1 with one line that says what to do', async () => {
    const demo = new Demo(['--records', 'many']);
    expect(await demo.exited).toBe(1);
    expect(
      demo.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('sfetl demo:')),
    ).toEqual([
      'sfetl demo: --records must be a whole number from 1 to 100000, not "many"; run "sfetl demo --help" for the options',
    ]);
  });
});

function keyOf(row: Record<string, string | null>, object: string): string {
  return row[object === 'Invoice__c' ? 'Invoice_Number__c' : 'Ext_Id__c'] ?? '';
}
