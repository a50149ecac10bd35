/**
 * `npm run bench -- run-report`: `sfetl report` over 1M logged rows. Ten runs of Contact in prod, 100,000 rows
 * each (98 % success, 2 % failure over five error codes), written as Parquet log partitions into moto's S3
 * and registered in its Glue catalog exactly as a load registers them; then the report of all ten runs (every
 * row counted) and of the latest run alone, built and rendered as `sfetl report` does. Records the time, the
 * peak RSS and the HTML file's size in docs/benchmarks.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { machine, writeSection } from './bench-report';
import { createAwsClients } from '../../src/aws';
import { LogCatalog, logKeyPrefix } from '../../src/catalog';
import { LocalParts } from '../../src/local-parts';
import { buildRunReport, renderRunReportHtml, RunSelection } from '../../src/report';

const RUNS = 10;
const ROWS_PER_RUN = 100_000;
const FAILED_PER_RUN = 2_000;
const BUCKET = 'bench-logs';
const DATABASE = 'bench_logs';
const CODES = [
  'REQUIRED_FIELD_MISSING',
  'INVALID_EMAIL_ADDRESS',
  'STRING_TOO_LONG',
  'DUPLICATE_VALUE',
  'SFETL_COLUMN_COUNT',
];
const COLUMNS = ['Ext_Id__c', 'FirstName', 'LastName', 'Email', 'Description'];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sfetl-bench-report-'));
  const parts = await LocalParts.start({ emulator: false });
  try {
    const aws = createAwsClients({ region: parts.aws.region, endpoint: parts.aws.endpoint, env: {} });
    await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const catalog = new LogCatalog({ glue: aws.glue, database: DATABASE, bucket: BUCKET, prefix: '' });
    await catalog.ensureDatabase();
    await catalog.ensureTable('Contact', [...COLUMNS, 'sf__Id', 'sf__Created', 'sf__Error', 'sf__JobId']);
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    for (let run = 0; run < RUNS; run++) {
      const runId = `run-${String(run).padStart(2, '0')}`;
      const createdTime = `202612${String(run + 1).padStart(2, '0')}020000`;
      const partitions = [];
      for (const status of ['success', 'failure'] as const) {
        const rows = status === 'success' ? ROWS_PER_RUN - FAILED_PER_RUN : FAILED_PER_RUN;
        const file = join(dir, `${runId}-${status}.parquet`);
        const error =
          status === 'success'
            ? "''"
            : `list_extract(${JSON.stringify(CODES).replace(/"/g, "'")}, (i % ${CODES.length})::INTEGER + 1) || ':the value of row ' || i || ' was refused:LastName --'`;
        await connection.run(
          `COPY (SELECT 'C-' || lpad(i::VARCHAR, 8, '0') AS "Ext_Id__c", 'First ' || i AS "FirstName", 'Last' || i AS "LastName",
             'person' || i || '@example.com' AS "Email", 'Customer ' || i || ', tier ' || (i % 5) AS "Description",
             ${status === 'success' ? "'003' || lpad(i::VARCHAR, 15, '0')" : "''"} AS "sf__Id",
             ${status === 'success' ? "'true'" : "''"} AS "sf__Created", ${error} AS "sf__Error", '750000000000001' AS "sf__JobId"
           FROM range(${rows}) t(i)) TO '${file}' (FORMAT parquet, COMPRESSION zstd)`,
        );
        const key = `${logKeyPrefix({ prefix: '', status, object: 'Contact', runId, env: 'prod', createdTime })}part-0.parquet`;
        await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(file) }));
        rmSync(file);
        partitions.push({
          status,
          runId,
          env: 'prod',
          createdTime,
          location: `s3://${BUCKET}/${key.replace(/part-0\.parquet$/, '')}`,
        });
      }
      await catalog.registerPartitions('Contact', partitions);
    }
    connection.closeSync();
    duck.closeSync();

    const measure = async (what: string, selection: RunSelection) => {
      const started = process.hrtime.bigint();
      const report = await buildRunReport({
        glue: aws.glue,
        s3: aws.s3,
        database: DATABASE,
        bucket: BUCKET,
        statePrefix: '_sfetl/',
        selection,
      });
      const html = renderRunReportHtml(report);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rows = report.runs.reduce((n, r) => n + r.rowsRead, 0);
      return { what, rows, seconds, bytes: Buffer.byteLength(html), sample: report.failures.length };
    };
    const results = [
      await measure(`all ${RUNS} runs (every logged row counted)`, { env: 'prod', since: new Date(0) }),
      await measure('the latest run alone (its history of 10 runs in the trend)', {
        runId: `run-${String(RUNS - 1).padStart(2, '0')}`,
      }),
    ];
    const rss = Math.round(process.resourceUsage().maxRSS / 1024);
    const table = results
      .map(
        (r) =>
          `| ${r.what} | ${r.rows.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} s | ${(r.bytes / 1024).toFixed(0)} KiB | ${r.sample} |`,
      )
      .join('\n');
    const body = `Command: \`npm run bench -- run-report\` (test/bench/run-report.bench.ts). ${RUNS} runs of Contact in prod,
${ROWS_PER_RUN.toLocaleString('en-US')} logged rows each (${FAILED_PER_RUN.toLocaleString('en-US')} failed over ${CODES.length} error codes), as Parquet
partitions in moto's S3, registered in its Glue catalog; the report built (Glue listing, copy of the chosen
partitions, DuckDB aggregates, failure sample) and rendered as \`sfetl report\` does.

| report of | logged rows counted | time | HTML size | sample rows |
| --- | ---: | ---: | ---: | ---: |
${table}

Peak RSS of the benchmark process (data generation included): ${rss} MB. The HTML holds aggregates and at most
200 sample rows, so its size does not grow with the rows logged. Machine: ${machine()}; load average at the
end ${loadavg()[0]!.toFixed(1)}.`;
    process.stdout.write(`${body}\n`);
    writeSection('run-report', '`sfetl report` over 1M logged rows', body);
  } finally {
    await parts.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
