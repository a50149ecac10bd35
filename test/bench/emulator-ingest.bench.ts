/**
 * How many records per second the org emulator ingests through Bulk API 2.0, so we know it is never the
 * bottleneck of our own load benchmarks. The emulator runs in its own process (as `sfetl emulator`), the
 * client here creates jobs, uploads, closes and polls over HTTP, then downloads every result CSV: once with
 * the results uncompressed (`Accept-Encoding: identity`) and once, on a fresh emulator, gzip-compressed.
 *
 * Run: npm run bench -- emulator   (or all benchmarks: npm run bench)
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { machine, writeSection } from './bench-report';
import { OrgEndpoint, Traffic } from '../../packages/emulator/src';

const ROOT = join(__dirname, '../..');
const TOTAL = Number(process.env.BENCH_EMULATOR_RECORDS ?? 1_000_000);
const PER_JOB = 200_000;
const PARALLEL = 5;

function csv(from: number, n: number): string {
  const lines = [
    'Ext_Id__c,FirstName,LastName,Email,Phone,Title,Birthdate,LeadSource,MailingCity,MailingCountry,Description,HasOptedOutOfEmail',
  ];
  for (let i = from; i < from + n; i++) {
    lines.push(
      `C-${i},First${i},Last${i},p${i}@example.com,+1 555 ${String(i % 10000).padStart(4, '0')},Engineer,1990-01-${String((i % 28) + 1).padStart(2, '0')},Web,Springfield,US,"Customer since ${2000 + (i % 25)}, tier ${i % 5}",${i % 2 === 0}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function startEmulator(): Promise<{ child: ChildProcess; org: OrgEndpoint }> {
  const child = spawn(
    join(ROOT, 'node_modules/.bin/node'),
    [join(ROOT, 'bin/sfetl.js'), 'emulator', '--orgs', 'bench'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return { child, org: (JSON.parse(line) as { orgs: Record<string, OrgEndpoint> }).orgs.bench! };
}

/** What one run measured. */
interface Run {
  readonly label: string;
  readonly jobs: number;
  readonly uploadBytes: number;
  readonly seconds: number;
  readonly resultBytes: number;
  readonly resultWireBytes: number;
  readonly peakRss: number;
  readonly cpuSeconds: number;
}

/** CPU seconds (user + system) the process has used, from /proc (all its threads: zlib's pool included). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function runOnce(label: string, acceptEncoding: 'identity' | 'gzip'): Promise<Run> {
  const { child, org } = await startEmulator();
  try {
    const tokenRes = await fetch(`${org.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: org.clientId,
        client_secret: org.clientSecret,
      }),
    });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const base = `${org.instanceUrl}/services/data/v66.0/jobs/ingest`;
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const payloads: string[] = [];
    for (let from = 0; from < TOTAL; from += PER_JOB) payloads.push(csv(from, Math.min(PER_JOB, TOTAL - from)));
    const bytes = payloads.reduce((n, p) => n + Buffer.byteLength(p), 0);

    const cpuBefore = cpuSeconds(child.pid!);
    const started = Date.now();
    let peakRss = 0;
    const sampler = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peakRss = Math.max(peakRss, kb * 1024);
      } catch {
        // the sampler only runs where /proc exists
      }
    }, 100);
    let resultBytes = 0;
    const runOne = async (payload: string) => {
      const job = (await (
        await fetch(base, { method: 'POST', headers, body: JSON.stringify({ object: 'Contact', operation: 'insert' }) })
      ).json()) as { id: string };
      await fetch(`${base}/${job.id}/batches`, {
        method: 'PUT',
        headers: { ...headers, 'Content-Type': 'text/csv' },
        body: payload,
      });
      await fetch(`${base}/${job.id}`, { method: 'PATCH', headers, body: JSON.stringify({ state: 'UploadComplete' }) });
      for (;;) {
        const info = (await (await fetch(`${base}/${job.id}`, { headers })).json()) as {
          state: string;
          numberRecordsFailed: number;
        };
        if (info.state === 'JobComplete') {
          if (info.numberRecordsFailed !== 0) throw new Error(`${info.numberRecordsFailed} records failed`);
          break;
        }
        if (info.state === 'Failed' || info.state === 'Aborted') throw new Error(`job ${job.id} ended ${info.state}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // fetch decodes a gzip answer itself: resultBytes is the CSV either way, the wire is counted by the org.
      resultBytes += (
        await (
          await fetch(`${base}/${job.id}/successfulResults/`, {
            headers: { ...headers, 'Accept-Encoding': acceptEncoding },
          })
        ).arrayBuffer()
      ).byteLength;
    };
    const queue = [...payloads];
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) await runOne(p);
      }),
    );
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;
    const cpu = cpuSeconds(child.pid!) - cpuBefore;
    const traffic = (await (await fetch(`${org.controlUrl}/traffic`)).json()) as Traffic;
    const run: Run = {
      label,
      jobs: payloads.length,
      uploadBytes: bytes,
      seconds,
      resultBytes,
      resultWireBytes: traffic.results.bytesSent,
      peakRss,
      cpuSeconds: cpu,
    };
    process.stdout.write(`${JSON.stringify(run)}\n`);
    return run;
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const runs = [await runOnce('uncompressed', 'identity'), await runOnce('gzip', 'gzip')];
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  const body = [
    `Command: \`npm run bench -- emulator\` (BENCH_EMULATOR_RECORDS=${TOTAL})`,
    '',
    `Machine: ${machine()}; 1-minute load average at the end: ${loadavg()[0]!.toFixed(1)} (the machine is shared by`,
    'other engineers; anything above ~0.5 is other work competing for the two cores).',
    '',
    '| results | records | jobs (parallel) | upload MB | wall time | records/s | result CSV MB | results on the wire MB | emulator CPU | emulator peak RSS |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (r) =>
        `| ${r.label} | ${TOTAL.toLocaleString('en-US')} | ${r.jobs} (${PARALLEL}) | ${mb(r.uploadBytes)} | ${r.seconds.toFixed(1)} s | ${Math.round(TOTAL / r.seconds).toLocaleString('en-US')} | ${mb(r.resultBytes)} | ${mb(r.resultWireBytes)} | ${r.cpuSeconds.toFixed(1)} s | ${(r.peakRss / 2 ** 20).toFixed(0)} MB |`,
    ),
    '',
    'Wall time covers create, upload, close, processing (validation of 12 Contact fields, unique index on',
    'Ext_Id__c) and downloading every successfulResults CSV, with the emulator in its own process (a fresh one',
    'per row). "uncompressed" asks for the results with `Accept-Encoding: identity`, "gzip" with',
    "`Accept-Encoding: gzip` (compressed at gzip level 1 on zlib's thread pool). Results on the wire are what",
    "the emulator's sockets wrote for the result answers (`GET /__emulator/traffic`); emulator CPU is its",
    "process's user + system time over the run, all threads.",
  ].join('\n');
  writeSection('emulator-ingest', 'Org emulator: Bulk API 2.0 ingest rate', body);
  process.stdout.write(`${body}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
