/**
 * `sfetl publish` (emr/log_to_hive.py on local Spark, Derby metastore) over Contact logs of 1, 10 and 50
 * runs of 100k rows each: full mode (rewrite every partition) versus incremental mode (one new run on top of
 * the history already published). Incremental time must follow the new run, not the history.
 *
 * The log files are generated with DuckDB straight into the layout of DESIGN.md §2.1 (every column a
 * string, zstd, one success and one failure file per run, 1% failures), not written by the runner: 50 loads
 * of 100k rows through the org emulator would take far longer than the publishes they feed and would
 * measure the loader instead. The pytest suite (emr/tests) covers logs the real runner wrote.
 *
 * A last case publishes the largest history with its last BENCH_PUBLISH_NEW runs new at once: incremental
 * time must grow with the new data as it stays flat with the history.
 *
 * Run: npm run bench -- publish   (BENCH_PUBLISH_RUNS=1,10,50, BENCH_PUBLISH_NEW=10, BENCH_PUBLISH_ROWS=100000,
 * BENCH_PUBLISH_MASTER=local[2])
 */
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { machine, writeSection } from './bench-report';
import type { PublishReport } from '../../src/cli/publish-command';

const ROOT = join(__dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const SFETL = join(ROOT, 'bin/sfetl.js');
const RUNS = (process.env.BENCH_PUBLISH_RUNS ?? '1,10,50').split(',').map(Number);
const ROWS = Number(process.env.BENCH_PUBLISH_ROWS ?? 100_000);
const NEW_RUNS = Number(process.env.BENCH_PUBLISH_NEW ?? 10);
const MASTER = process.env.BENCH_PUBLISH_MASTER ?? 'local[2]';
const FAILURE_SHARE = 0.01;
const ENVS = ['dev', 'qa', 'uat', 'prod'];
const MB = 2 ** 20;

const runId = (r: number) => `run-${String(r).padStart(4, '0')}`;
/** One run an hour from 2025-01-01 00:00 UTC, as yyyyMMddHHmmss. */
const createdTime = (r: number) => new Date(Date.UTC(2025, 0, 1, r)).toISOString().replace(/\D/g, '').slice(0, 14);

const UPLOADED = `
  'C-' || lpad(CAST($run * 10000000 + i AS VARCHAR), 12, '0') AS Ext_Id__c,
  (['Anna', 'Ben', 'Chloé', 'David', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'José', 'Kofi', 'Lena'])[1 + i % 12] AS FirstName,
  'Last' || CAST(hash(i) % 100000 AS VARCHAR) AS LastName,
  'person' || CAST(i AS VARCHAR) || '@example.com' AS Email,
  '+1 555 ' || lpad(CAST(hash(i * 3) % 10000000 AS VARCHAR), 7, '0') AS Phone,
  (['Engineer', 'Manager', 'Director', 'Analyst', ''])[1 + i % 5] AS Title,
  '19' || CAST(50 + i % 50 AS VARCHAR) || '-0' || CAST(1 + i % 9 AS VARCHAR) || '-1' || CAST(i % 9 AS VARCHAR) AS Birthdate,
  (['Web', 'Phone Inquiry', 'Partner Referral', 'Other'])[1 + i % 4] AS LeadSource,
  (['Paris', 'Lagos', 'Osaka', 'Lima', 'Oslo', 'Pune'])[1 + CAST(hash(i) % 6 AS BIGINT)] AS MailingCity,
  (['France', 'Nigeria', 'Japan', 'Peru', 'Norway', 'India'])[1 + CAST(hash(i) % 6 AS BIGINT)] AS MailingCountry,
  'Customer ' || CAST(i AS VARCHAR) || ', tier ' || CAST(i % 5 AS VARCHAR) || ' ' || md5(CAST(i AS VARCHAR)) AS Description,
  CASE WHEN i % 7 = 0 THEN 'true' ELSE 'false' END AS HasOptedOutOfEmail`;

/** Writes the success and failure log files of runs 1..runs under `dir` (DESIGN.md §2.1 layout). */
async function generate(dir: string, runs: number): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  let bytes = 0;
  try {
    for (let r = 1; r <= runs; r++) {
      const failures = Math.round(ROWS * FAILURE_SHARE);
      for (const [status, rows, tail] of [
        [
          'success',
          ROWS - failures,
          `'003' || lpad(CAST($run * 10000000 + i AS VARCHAR), 15, '0') AS sf__Id, 'true' AS sf__Created`,
        ],
        ['failure', failures, `'' AS sf__Id, 'INVALID_EMAIL_ADDRESS:Email: invalid email address: x:--' AS sf__Error`],
      ] as const) {
        const partition = join(dir, status, 'Contact', `run_id=${runId(r)}`, `env=${ENVS[r % ENVS.length]}`);
        const path = join(partition, `created_time=${createdTime(r)}`, 'part-00000.parquet');
        mkdirSync(dirname(path), { recursive: true });
        const select = `SELECT ${UPLOADED}, ${tail}, '750' || lpad(CAST($run AS VARCHAR), 15, '0') AS sf__JobId FROM range(${rows}) t(i)`;
        await connection.run(
          `COPY (${select.replaceAll('$run', String(r))}) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`,
        );
        bytes += statSync(path).size;
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return bytes;
}

/** Hard-links the files of runs first..last from the generated tree into a publish tree. */
function linkRuns(from: string, to: string, first: number, last: number): void {
  const wanted = new Set(Array.from({ length: last - first + 1 }, (_, i) => `run_id=${runId(first + i)}`));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (
        relative(from, path)
          .split('/')
          .some((part) => wanted.has(part))
      ) {
        const target = join(to, relative(from, path));
        mkdirSync(dirname(target), { recursive: true });
        linkSync(path, target);
      }
    }
  };
  walk(from);
}

interface Measured {
  readonly wallSeconds: number;
  readonly tableSeconds: number;
  /** Listing, reading the table's partitions and state, and the new files' footers. */
  readonly planSeconds: number;
  /** Reading the log rows and the dynamic-overwrite insert (Spark's job, partition registration). */
  readonly writeSeconds: number;
  readonly partitionsWritten: number;
  readonly rowsWritten: number;
  readonly rowsInTable: number;
}

function publish(logs: string, hiveDir: string, mode: 'full' | 'incremental'): Measured {
  const started = process.hrtime.bigint();
  const args = [SFETL, 'publish', '--logs', logs, '--hive-dir', hiveDir, '--master', MASTER, '--output', 'json'];
  const result = spawnSync(NODE, [...args, '--mode', mode], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * MB });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    const sparkLog = readFileSync(join(hiveDir, 'publish.log'), 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(`sfetl publish --mode ${mode} exited ${result.status}: ${result.stderr}\n${sparkLog}`);
  }
  const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as PublishReport;
  const table = report.tables[0]!;
  return {
    wallSeconds,
    tableSeconds: table.seconds,
    planSeconds: (table.steps.inspect ?? 0) + (table.steps.footers ?? 0),
    writeSeconds: table.steps.write ?? 0,
    partitionsWritten: table.partitionsWritten,
    rowsWritten: table.rowsWritten,
    rowsInTable: table.counts.reduce((n, c) => n + c.rows, 0),
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'sfetl-bench-publish-'));
  const rows: string[] = [];
  const loadBefore = loadavg()[0]!;
  try {
    const generated = join(work, 'generated');
    const maxRuns = Math.max(...RUNS);
    const started = Date.now();
    const bytes = await generate(generated, maxRuns);
    process.stdout.write(
      `generated ${maxRuns} runs × ${ROWS.toLocaleString('en-US')} rows (${(bytes / MB).toFixed(1)} MB of Parquet) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    /** Incremental table time by history size (one new run), and for NEW_RUNS new runs at once. */
    const oneNew = new Map<number, number>();
    let manyNew: number | undefined;
    const cases: { runs: number; newRuns: number; modes: readonly ('incremental' | 'full')[] }[] = [
      ...RUNS.map((runs) => ({ runs, newRuns: 1, modes: ['incremental', 'full'] as const })),
      ...(NEW_RUNS > 1 && NEW_RUNS < maxRuns
        ? [{ runs: maxRuns, newRuns: NEW_RUNS, modes: ['incremental'] as const }]
        : []),
    ];
    for (const { runs, newRuns, modes } of cases) {
      const logs = join(work, `logs-${runs}-${newRuns}`);
      const hiveDir = join(work, `hive-${runs}-${newRuns}`);
      mkdirSync(logs, { recursive: true });
      if (runs > newRuns) {
        linkRuns(generated, logs, 1, runs - newRuns);
        const history = publish(logs, hiveDir, 'full');
        process.stdout.write(`history of ${runs - newRuns} run(s) published in ${history.wallSeconds.toFixed(1)} s\n`);
      }
      linkRuns(generated, logs, runs - newRuns + 1, runs);
      for (const mode of modes) {
        const m = publish(logs, hiveDir, mode);
        if (m.rowsInTable !== runs * ROWS) {
          throw new Error(`table holds ${m.rowsInTable} rows, expected ${runs * ROWS}`);
        }
        if (mode === 'incremental' && newRuns === 1) oneNew.set(runs, m.tableSeconds);
        if (mode === 'incremental' && newRuns > 1) manyNew = m.tableSeconds;
        const label = newRuns === 1 ? '' : ` (last ${newRuns} new)`;
        const line = `| ${runs} × ${ROWS.toLocaleString('en-US')}${label} | ${mode} | ${m.partitionsWritten} | ${m.rowsWritten.toLocaleString('en-US')} | ${m.planSeconds.toFixed(1)} s | ${m.writeSeconds.toFixed(1)} s | ${m.tableSeconds.toFixed(1)} s | ${m.wallSeconds.toFixed(1)} s |`;
        process.stdout.write(`${line}\n`);
        rows.push(line);
      }
      rmSync(logs, { recursive: true, force: true });
      rmSync(hiveDir, { recursive: true, force: true });
    }
    writeReport(rows, verdict(oneNew, manyNew), loadBefore, loadavg()[0]!);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What the incremental figures say about the target: time follows the new data, not the history. */
function verdict(oneNew: ReadonlyMap<number, number>, manyNew: number | undefined): string {
  const histories = [...oneNew.keys()].sort((a, b) => a - b);
  if (histories.length === 0) return '';
  const [least, most] = [histories[0]!, histories[histories.length - 1]!];
  const s = (v: number) => `${v.toFixed(1)} s`;
  let text =
    `Incremental, one new run: ${s(oneNew.get(least)!)} of table time over a history of ${least} run(s), ` +
    `${s(oneNew.get(most)!)} over ${most} (×${(oneNew.get(most)! / oneNew.get(least)!).toFixed(2)} for ` +
    `${most / least}× the history).`;
  if (manyNew !== undefined) {
    text +=
      ` ${NEW_RUNS} new runs at once over the same ${most}: ${s(manyNew)} ` +
      `(×${(manyNew / oneNew.get(most)!).toFixed(2)} for ${NEW_RUNS}× the new data).`;
  }
  return text;
}

function writeReport(rows: readonly string[], summary: string, loadBefore: number, loadAfter: number): void {
  writeSection(
    'publish',
    'PySpark publish: full versus incremental',
    `
Command: \`npm run bench -- publish\` (BENCH_PUBLISH_RUNS=${RUNS.join(',')}, BENCH_PUBLISH_NEW=${NEW_RUNS}, BENCH_PUBLISH_ROWS=${ROWS}, Spark master \`${MASTER}\`)

Machine: ${machine()}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after (other work shared the machine)

\`sfetl publish --logs <dir>\` over Contact logs (12 uploaded columns + the runner's 3, every value a string; one
success and one failure file per run, 1% failures; one env per run, the four envs in turn). "history" is the
number of runs in the logs; for incremental, all but the last were published before (full mode) and the
last one is new ("last N new": the last N runs are new at once). Full mode then rewrites every partition of
the same table. "table time" is the job's own
time for the table: "plan" (the table's partitions and recorded state, the footers of the files to read),
"write" (reading those rows and the dynamic-overwrite insert, with partition registration) and a little
DDL. The wall time adds starting the JVM, local Spark and the Derby metastore, 10–20 s whatever the data.
Each row is one run in a fresh process, so the table time includes the JVM warming up.

| history (runs × rows) | mode | partitions written | rows written | plan | write | table time | \`sfetl publish\` wall time |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

${summary}

The log files are generated with DuckDB in the runner's layout rather than written by \`sfetl load\`: 50 loads
of 100k rows through the org emulator would take far longer than the publishes and measure the loader.
Incremental mode reads only the new runs' files (their footers, then their rows): its time stays flat as
the history grows and grows with the new data, while full mode's grows with the history. What incremental still does per history is cheap:
one listing of the log tree, \`SHOW PARTITIONS\`, the recorded state file, and the count of the
table's rows per partition after the write (it checks the table against its logs; Parquet footers only).
`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
