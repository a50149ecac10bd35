import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { setFaults } from '../../packages/emulator/test/support/emulator-client';
import { LogCatalog } from '../../src/catalog';
import { prepareLoad } from '../../src/cli/load-command';
import {
  LoadEvent,
  LoadRunResult,
  logToken,
  RunStoppedError,
  runLoad,
  SourceLedger,
  SourceLedgerState,
} from '../../src/pipeline';
import { Killed, RunSeams, SeamCall, StopPoint } from '../support/load-stops';
import { orgGet, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/**
 * The load core in process — runLoad through ObjectLoader, FileLoader, PartLoader and SourceLedger, against the
 * org emulator over HTTP and moto's S3 and Glue — stopped at a chosen point of a file's life, then run again:
 * the rerun resumes from the ledger, so every source row is in the org once and in the logs once, no part the
 * ledger recorded as sent is sent again, and every ledger ends done. A "kill" makes every later call of the
 * run fail (nothing more reaches the org, S3 or Glue, the lease is not given back), as kill -9 would; a "stop"
 * sets the run's stop signal, as SIGTERM does. Contact is loaded with `insert` and no external id, so a row
 * sent twice is two records in the org.
 */
const FIXTURES = join(__dirname, '..', 'fixtures', 'load-resume');
/** a.csv: 40 rows, one rejected before upload, so 4 parts of at most 10 rows (jobs 1–4); b.csv: 12 rows, jobs 5–6. */
const FILES = ['a.csv', 'b.csv'];
const SOURCE = 's3://sfetl-source/load-resume/';
/** The rows that fail, by LastName, with the code their failure row carries. */
const FAILURES: ReadonlyMap<string, string> = new Map([
  ['Resume-A-05', 'INVALID_EMAIL_ADDRESS'],
  ['Resume-A-14', 'INVALID_EMAIL_ADDRESS'],
  ['Resume-A-27', 'SFETL_COLUMN_COUNT'],
  ['Resume-B-09', 'INVALID_EMAIL_ADDRESS'],
]);
const ROWS: readonly string[] = FILES.flatMap((file) =>
  (
    parse(readFileSync(join(FIXTURES, file)), { columns: true, relax_column_count: true }) as Record<string, string>[]
  ).map((row) => row.LastName!),
);
const LOADED = ROWS.filter((name) => !FAILURES.has(name));

/** A ledger write (its JSON body) that `test` accepts. */
const ledgerWrite =
  (test: (state: SourceLedgerState) => boolean) =>
  (call: SeamCall): boolean =>
    call.key?.includes('/_sfetl/state/') === true && call.body !== undefined && test(JSON.parse(call.body));
const ofA = (state: SourceLedgerState) => state.source.key.endsWith('/a.csv');

interface StopCase {
  readonly name: string;
  readonly point: StopPoint;
  /** @default 1: one job at a time, so the nth call is the same call in every run */
  readonly concurrency?: number;
  /** A Glue-style resume keeps the run id; a console rerun gets a new one. */
  readonly rerun: 'same run id' | 'new run id';
  /**
   * a.csv's ledger as the stopped run left it (see `summary`): proves the stop came where the case says.
   * @default not checked (with several jobs at once, how far each got depends on timing)
   */
  readonly ledgerA?: string;
  /** The rerun is stopped too, here; a third run then completes. @default the rerun completes */
  readonly rerunPoint?: StopPoint;
  /** a.csv's ledger as the stopped rerun left it. @default not checked */
  readonly ledgerAAfterRerun?: string;
  /** The org's faults for every run. @default none */
  readonly faults?: Record<string, unknown>;
  /** Limits the rerun's configuration changes: a resumed file is cut as its ledger says. @default the same */
  readonly rerunLimits?: Record<string, number>;
}

/** The first job goes Failed after 4 of its 10 records: its 6 unprocessed rows go again as attempt 2. */
const FAIL_FIRST_JOB = { failJobAfterRecords: 4, failJobsCount: 1 };

const CASES: readonly StopCase[] = [
  {
    name: 'after the first job was created, before the ledger recorded its id',
    point: { seam: 'org', name: 'createIngestJob', when: 'after' },
    rerun: 'same run id',
    ledgerA: 'in-progress',
  },
  {
    name: 'after the ledger recorded the first job, before its upload',
    point: { seam: 'org', name: 'uploadJobData', when: 'before' },
    rerun: 'new run id',
    ledgerA: 'in-progress 0:created',
  },
  {
    name: 'after the first upload, before the ledger recorded it',
    point: { seam: 'org', name: 'uploadJobData', when: 'after' },
    rerun: 'same run id',
    ledgerA: 'in-progress 0:created',
  },
  {
    name: 'after the first job was closed, before the ledger recorded it',
    point: { seam: 'org', name: 'closeJob', when: 'after' },
    rerun: 'new run id',
    ledgerA: 'in-progress 0:uploaded',
  },
  {
    name: 'while the first job runs, after its first poll',
    point: { seam: 'org', name: 'getJob', when: 'after' },
    rerun: 'same run id',
    ledgerA: 'in-progress 0:closed',
  },
  {
    name: "after the first job's results were downloaded, before its logs were written",
    point: { seam: 'parquet', name: 'csvToParquet', when: 'before' },
    rerun: 'new run id',
    ledgerA: 'in-progress 0:closed',
  },
  {
    name: "after part 1's success log was written, before its failure log",
    point: {
      seam: 's3',
      name: 'PutObjectCommand',
      when: 'after',
      match: (c) => /-00001-a1-success\.parquet$/.test(c.key ?? ''),
    },
    rerun: 'same run id',
    ledgerA: 'in-progress 0+:logged 1:closed',
  },
  {
    name: "after part 1's logs were written, before the ledger recorded them",
    point: {
      seam: 's3',
      name: 'PutObjectCommand',
      when: 'before',
      match: ledgerWrite((s) => ofA(s) && s.parts.some((p) => p.index === 1 && p.attempts[0]?.phase === 'logged')),
    },
    rerun: 'new run id',
    ledgerA: 'in-progress 0+:logged 1:closed',
  },
  {
    name: 'between two parts of a file: parts 0 and 1 done, part 2 not created',
    point: { seam: 'org', name: 'createIngestJob', when: 'before', nth: 3 },
    rerun: 'same run id',
    ledgerA: 'in-progress 0+:logged 1+:logged',
  },
  {
    name: 'after every part of a.csv, before its rejected rows were logged',
    point: {
      seam: 'parquet',
      name: 'csvToParquet',
      when: 'before',
      match: (c) => c.key!.endsWith('-rejected.parquet'),
    },
    rerun: 'new run id',
    ledgerA: 'in-progress 0+:logged 1+:logged 2+:logged 3+:logged',
  },
  {
    name: "after a.csv's rejected rows were logged, before the ledger recorded it",
    point: {
      seam: 's3',
      name: 'PutObjectCommand',
      when: 'after',
      match: (c) => /-rejected\.parquet$/.test(c.key ?? ''),
    },
    rerun: 'same run id',
    ledgerA: 'in-progress 0+:logged 1+:logged 2+:logged 3+:logged',
  },
  {
    name: "before a.csv's partitions were registered",
    point: { seam: 'glue', name: 'BatchCreatePartitionCommand', when: 'before' },
    rerun: 'new run id',
    ledgerA: 'in-progress 0+:logged 1+:logged 2+:logged 3+:logged rejects-logged',
  },
  {
    name: "after a.csv's partitions were registered, before it was marked done",
    point: {
      seam: 's3',
      name: 'PutObjectCommand',
      when: 'before',
      match: ledgerWrite((s) => ofA(s) && s.status === 'done'),
    },
    rerun: 'same run id',
    ledgerA: 'in-progress 0+:logged 1+:logged 2+:logged 3+:logged rejects-logged',
  },
  {
    name: "after a.csv was done, once b.csv's last job was closed",
    point: { seam: 'org', name: 'closeJob', when: 'after', nth: 6 },
    rerun: 'new run id',
    ledgerA: 'done 0+:logged 1+:logged 2+:logged 3+:logged rejects-logged',
  },
  {
    name: 'after both files were done, before the run manifest',
    point: {
      seam: 's3',
      name: 'PutObjectCommand',
      when: 'before',
      match: (c) => (c.key ?? '').includes('/_sfetl/runs/'),
    },
    rerun: 'same run id',
    ledgerA: 'done 0+:logged 1+:logged 2+:logged 3+:logged rejects-logged',
  },
  {
    name: 'stopped (SIGTERM) once the third job was created',
    point: { seam: 'org', name: 'createIngestJob', when: 'after', nth: 3, how: 'stop' },
    rerun: 'new run id',
    ledgerA: 'in-progress 0+:logged 1+:logged 2:closed',
  },
  {
    name: 'between two parts, rerun with other split settings (maxJobRows 7): the ledger cuts the same parts',
    point: { seam: 'org', name: 'createIngestJob', when: 'before', nth: 3 },
    rerun: 'new run id',
    ledgerA: 'in-progress 0+:logged 1+:logged',
    rerunLimits: { maxJobRows: 7 },
  },
  {
    name: 'after a Failed job was logged, before the job of its unprocessed rows (attempt 2) was created',
    point: { seam: 'org', name: 'createIngestJob', when: 'before', nth: 2 },
    faults: FAIL_FIRST_JOB,
    rerun: 'same run id',
    ledgerA: 'in-progress 0:logged',
  },
  {
    name: 'after the ledger recorded attempt 2 of a part, before its upload',
    point: { seam: 'org', name: 'uploadJobData', when: 'before', nth: 2 },
    faults: FAIL_FIRST_JOB,
    rerun: 'new run id',
    ledgerA: 'in-progress 0:logged/created',
  },
  {
    name: 'after attempt 2 of a part was closed, before the ledger recorded it',
    point: { seam: 'org', name: 'closeJob', when: 'after', nth: 2 },
    faults: FAIL_FIRST_JOB,
    rerun: 'same run id',
    ledgerA: 'in-progress 0:logged/uploaded',
  },
  {
    name: 'killed after the first upload; the rerun killed after it closed the job that sent the part again',
    point: { seam: 'org', name: 'uploadJobData', when: 'after' },
    rerunPoint: { seam: 'org', name: 'closeJob', when: 'after' },
    rerun: 'new run id',
    ledgerA: 'in-progress 0:created',
    ledgerAAfterRerun: 'in-progress 0:abandoned/uploaded',
  },
  {
    name: 'killed before the first upload; the rerun killed after it aborted that Open job, before its ledger said so',
    point: { seam: 'org', name: 'uploadJobData', when: 'before' },
    rerunPoint: { seam: 'org', name: 'abortJob', when: 'after' },
    rerun: 'same run id',
    ledgerA: 'in-progress 0:created',
    ledgerAAfterRerun: 'in-progress 0:created',
  },
  {
    name: 'killed after the first upload; the rerun killed after it aborted that Open job, before its ledger said so',
    point: { seam: 'org', name: 'uploadJobData', when: 'after' },
    rerunPoint: { seam: 'org', name: 'abortJob', when: 'after' },
    rerun: 'new run id',
    ledgerA: 'in-progress 0:created',
    ledgerAAfterRerun: 'in-progress 0:created',
  },
  {
    name: 'killed before the first close; the rerun killed after it aborted that Open job, before its ledger said so',
    point: { seam: 'org', name: 'closeJob', when: 'before' },
    rerunPoint: { seam: 'org', name: 'abortJob', when: 'after' },
    rerun: 'same run id',
    ledgerA: 'in-progress 0:uploaded',
    ledgerAAfterRerun: 'in-progress 0:uploaded',
  },
  {
    name: "killed between two parts; the rerun killed after part 2's logs were written, before its ledger said so",
    point: { seam: 'org', name: 'createIngestJob', when: 'before', nth: 3 },
    rerunPoint: {
      seam: 's3',
      name: 'PutObjectCommand',
      when: 'before',
      match: ledgerWrite((s) => ofA(s) && s.parts.some((p) => p.index === 2 && p.attempts[0]?.phase === 'logged')),
    },
    rerun: 'same run id',
    ledgerA: 'in-progress 0+:logged 1+:logged',
    ledgerAAfterRerun: 'in-progress 0+:logged 1+:logged 2:closed',
  },
  {
    name: 'three jobs at once, killed after the third upload',
    point: { seam: 'org', name: 'uploadJobData', when: 'after', nth: 3 },
    concurrency: 3,
    rerun: 'same run id',
  },
];

let stack: TestStack;

beforeAll(async () => {
  stack = await TestStack.start();
  for (const file of FILES) await stack.putSource(`load-resume/${file}`, readFileSync(join(FIXTURES, file)));
});
afterAll(() => stack?.stop());

/** One in-process run: its seams (with what it uploaded), events, and result or error. */
interface Run {
  readonly seams: RunSeams;
  readonly events: LoadEvent[];
  readonly result?: LoadRunResult;
  readonly error?: unknown;
}

/** The case's own log prefix, state prefix and Glue database, so the cases share only the org (reset). */
function caseConfig(name: string, id: string, limits: Record<string, number>): string {
  return stack.configWith(`${name}.yaml`, (c) => {
    c.objects = [{ name: 'Contact', source: SOURCE, operation: 'insert', loadOrder: 1 }];
    c.logs = {
      bucket: c.logs.bucket,
      prefix: `${id}/`,
      statePrefix: `${id}/_sfetl/`,
      glueDatabase: id.replace(/-/g, '_'),
    };
    c.limits = { ...c.limits, concurrency: 1, maxJobRows: 10, pollIntervalMs: 20, pollMaxIntervalMs: 100, ...limits };
  });
}

/**
 * `sfetl load` as the command prepares it (config, login, org check), then runLoad with its seams wrapped.
 * `leasesLater`: how many killed runs came before, each leaving its lease (a killed run does not give it back):
 * the run's clock is that many lease times later, so each of those leases has ended.
 */
async function load(config: string, runId: string, seams: RunSeams, leasesLater: number): Promise<Run> {
  const prepared = await prepareLoad({ config, env: 'dev', objects: ['Contact'] }, process.env);
  const { aws, config: cfg } = prepared;
  const skew = leasesLater * (cfg.limits.leaseSeconds + 1) * 1000;
  const events: LoadEvent[] = [];
  try {
    const result = await runLoad({
      config: cfg,
      env: prepared.environment,
      objects: prepared.objects,
      runId,
      dryRun: false,
      api: seams.org(prepared.api),
      org: prepared.org,
      s3: seams.aws(aws.s3, 's3'),
      catalog: new LogCatalog({
        glue: seams.aws(aws.glue, 'glue'),
        database: cfg.logs.glueDatabase,
        bucket: cfg.logs.bucket,
        prefix: cfg.logs.prefix,
      }),
      parquet: () => seams.parquet(),
      emit: (e) => events.push(e),
      stop: seams.stop,
      clock: () => new Date(Date.now() + skew),
    });
    return { seams, events, result };
  } catch (error) {
    return { seams, events, error };
  } finally {
    await seams.close();
    aws.s3.destroy();
    aws.glue.destroy();
  }
}

/** Every ledger of the case by source file name, checking there is one load of each file at most. */
async function ledgers(id: string): Promise<Map<string, SourceLedger>> {
  const bucket = stack.description.buckets.logs;
  const all: SourceLedger[] = [];
  for (const key of await stack.logKeys(`${id}/_sfetl/state/`)) {
    all.push((await SourceLedger.read(stack.aws.s3, bucket, key))!);
  }
  const files = all.map((l) => basename(l.state.source.key));
  expect(counts(files)).toEqual(once(files));
  return new Map(all.map((l) => [basename(l.state.source.key), l]));
}

/**
 * A ledger in one line: status, each part begun (+ when done) with its attempts' phases, whether rejects are
 * logged. A part the splitter has cut but that waits for a job slot is left out: whether a checkpoint saved it
 * before the stop depends on how far the splitter had read.
 */
function summary(ledger: SourceLedger | undefined): string {
  if (!ledger) return '';
  const { status, parts, rejectsLogged } = ledger.state;
  const phases = parts
    .filter((p) => p.done || p.attempts.length > 0)
    .map((p) => `${p.index}${p.done ? '+' : ''}:${p.attempts.map((a) => a.phase).join('/')}`);
  return [status, ...phases, ...(rejectsLogged ? ['rejects-logged'] : [])].join(' ');
}

function counts(values: readonly (string | null | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}
const once = (values: readonly string[]) => Object.fromEntries(values.map((v) => [v, 1]));

/** The state the org gives a job now. */
async function jobState(jobId: string): Promise<string> {
  const job = await orgGet<{ state: string }>(stack.description.orgs.dev!, `/services/data/v66.0/jobs/ingest/${jobId}`);
  return job.state;
}

/** A job a ledger recorded, and where it belongs: `<file> part <index> attempt <n>`. */
interface JobSlot {
  readonly jobId: string;
  readonly slot: string;
  readonly phase: string;
}

function jobSlots(byFile: Map<string, SourceLedger>): JobSlot[] {
  return [...byFile].flatMap(([file, ledger]) =>
    ledger.state.parts.flatMap((part) =>
      part.attempts.flatMap((a) =>
        a.jobId === undefined
          ? []
          : [{ jobId: a.jobId, slot: `${file} part ${part.index} attempt ${a.attempt}`, phase: a.phase }],
      ),
    ),
  );
}

/**
 * The jobs a stopped run's ledger recorded, by the org's state after the stop. A job closed before it ended
 * (its rows are in the org or on their way) was sent: it must be awaited, never sent again. A job still Open may
 * or may not have its data: the next run aborts it and sends its rows in a new job. A job aborted while Open
 * (by a run killed before its ledger said so) processed nothing.
 */
async function recordedJobs(before: Map<string, SourceLedger>): Promise<{ sent: JobSlot[]; open: JobSlot[] }> {
  const sent: JobSlot[] = [];
  const open: JobSlot[] = [];
  for (const job of jobSlots(before).filter((j) => j.phase !== 'abandoned')) {
    const state = await jobState(job.jobId);
    const closed = job.phase === 'closed' || job.phase === 'logged';
    // The ledger never says more than the org did: a job it records as closed or logged is past Open.
    if (closed) expect({ ...job, state }).not.toMatchObject({ state: 'Open' });
    if (state === 'Open') open.push(job);
    else if (state !== 'Aborted' || closed) sent.push(job);
  }
  return { sent, open };
}

/** The error itself, or the one it was caused by (a Glue or S3 error wraps the call's error). */
function rootCause(error: unknown): unknown {
  let e = error;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  return e;
}

/**
 * The org holds every loaded row once and the rows that fail not at all; the logs hold every source row once:
 * the loaded ones as success rows with the org's record id, the others as failure rows with their code.
 */
async function expectEveryRowOnce(id: string): Promise<void> {
  const org = await stack.orgQuery<{ Id: string; LastName: string }>(
    'dev',
    "SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Resume-%'",
  );
  expect(counts(org.records.map((r) => r.LastName))).toEqual(once(LOADED));

  const success = await stack.readParquet(`s3://sfetl-logs/${id}/success/Contact/`);
  const failure = await stack.readParquet(`s3://sfetl-logs/${id}/failure/Contact/`);
  expect(counts(success.map((r) => r.LastName))).toEqual(once(LOADED));
  expect(counts(failure.map((r) => r.LastName))).toEqual(once([...FAILURES.keys()]));
  expect(success.length + failure.length).toBe(ROWS.length);
  expect(Object.fromEntries(success.map((r) => [r.LastName, r.sf__Id]))).toEqual(
    Object.fromEntries(org.records.map((r) => [r.LastName, r.Id])),
  );
  expect(Object.fromEntries(failure.map((r) => [r.LastName, r.sf__Error!.split(':')[0]]))).toEqual(
    Object.fromEntries(FAILURES),
  );
}

/** One stopped run, and the ledgers and recorded jobs it left. */
interface Stop {
  readonly run: Run;
  readonly ledgers: Map<string, SourceLedger>;
  readonly jobs: { sent: JobSlot[]; open: JobSlot[] };
}

/**
 * No part (attempt) whose job a stopped run's ledger recorded as sent got a job in any later run; the recorded
 * jobs the org still held Open are aborted in the end.
 */
async function expectNothingSentAgain(stops: readonly Stop[], last: Run, after: Map<string, SourceLedger>) {
  const runs = [...stops.map((s) => s.run), last];
  for (const [i, stop] of stops.entries()) {
    const earlier = runs.slice(0, i + 1);
    expect(stop.jobs.sent.filter((j) => !earlier.some((r) => r.seams.uploads.has(j.jobId)))).toEqual([]);
    const sentSlots = new Set(stop.jobs.sent.map((j) => j.slot));
    for (const later of runs.slice(i + 1)) {
      const again = jobSlots(after).filter((j) => later.seams.uploads.has(j.jobId) && sentSlots.has(j.slot));
      expect(again).toEqual([]);
    }
    for (const job of stop.jobs.open) {
      expect({ ...job, state: await jobState(job.jobId) }).toMatchObject({ state: 'Aborted' });
    }
  }
}

/**
 * Every log file is in the directories of the run that started its file's load (a resumed file keeps logging
 * to its first run's `run_id=…/created_time=…`), and named after that load.
 */
async function expectLogsWhereTheLoadStarted(id: string, after: Map<string, SourceLedger>): Promise<void> {
  const keys = [...(await stack.logKeys(`${id}/success/`)), ...(await stack.logKeys(`${id}/failure/`))];
  const placed = keys.map((key) => {
    const ledger = [...after.values()].find((l) => basename(key).startsWith(`part-${logToken(l)}-`));
    const file = ledger ? basename(ledger.state.source.key) : 'no load';
    const dir = ledger ? `run_id=${ledger.state.runId}/env=dev/created_time=${ledger.state.createdTime}/` : '';
    return { key, file, inLoadDirectory: ledger !== undefined && key.includes(`/${dir}`) };
  });
  expect(placed.filter((p) => !p.inLoadDirectory)).toEqual([]);
  expect(new Set(placed.map((p) => p.file))).toEqual(new Set(FILES));
}

/**
 * The rerun resumed the unfinished files (in the log directories of the run that started them) and skipped the
 * done ones; every ledger is done now: one load, all parts done and cut as before, every row read logged once.
 */
function expectLedgersDone(
  ids: { first: string; rerun: string },
  stops: readonly Stop[],
  last: Run,
  after: Map<string, SourceLedger>,
): void {
  const before = stops[0]!.ledgers;
  for (const [file, ledger] of stops.at(-1)!.ledgers) {
    const { runId } = ledger.state;
    const source = `${SOURCE}${file}`;
    expect(last.events).toContainEqual(
      ledger.state.status === 'done'
        ? expect.objectContaining({ type: 'file-skipped', source, runId })
        : expect.objectContaining({ type: 'file-resumed', source, runId }),
    );
  }
  expect([...after.keys()].sort()).toEqual(FILES);
  for (const [file, ledger] of after) {
    const { state } = ledger;
    expect({ file, status: state.status, load: ledger.load }).toEqual({ file, status: 'done', load: 1 });
    expect({ file, runId: state.runId }).toEqual({ file, runId: before.has(file) ? ids.first : ids.rerun });
    expect({ file, parts: state.parts.map((p) => `${p.index}${p.done ? '+' : ''}`) }).toEqual({
      file,
      parts: file === 'a.csv' ? ['0+', '1+', '2+', '3+'] : ['0+', '1+'],
    });
    expect({ file, logged: ledger.successRows + ledger.failureRows }).toEqual({ file, logged: state.rowsRead });
  }
  expect([...after.values()].reduce((sum, l) => sum + l.state.rowsRead!, 0)).toBe(ROWS.length);
}

describe('runLoad stopped at a point of a file life, then run again, resumes from the ledger', () => {
  beforeEach(async () => {
    await stack.resetOrgs();
    await setFaults(stack.parts.orgs.dev!, {});
  });

  test.each(CASES.map((c, i) => ({ ...c, n: String(i + 1).padStart(2, '0') })))('$n: $name', async (c) => {
    const id = `resume-${c.n}`;
    const rerunId = c.rerun === 'same run id' ? id : `${id}-rerun`;
    const limits = { concurrency: c.concurrency ?? 1 };
    const config = caseConfig(id, id, limits);
    const rerunConfig = c.rerunLimits ? caseConfig(`${id}-rerun`, id, { ...limits, ...c.rerunLimits }) : config;
    if (c.faults) await setFaults(stack.parts.orgs.dev!, c.faults);

    // The run stopped where the case says (and the rerun too, when the case stops it), each leaving its ledger.
    const stops: Stop[] = [];
    let killed = 0;
    for (const [i, point] of [c.point, ...(c.rerunPoint ? [c.rerunPoint] : [])].entries()) {
      const run = await load(
        i === 0 ? config : rerunConfig,
        i === 0 ? id : rerunId,
        new RunSeams('LastName', point),
        killed,
      );
      expect(run.seams.reached).toBeDefined();
      expect(rootCause(run.error)).toBeInstanceOf(point.how === 'stop' ? RunStoppedError : Killed);
      if (point.how !== 'stop') killed++;
      const left = await ledgers(id);
      stops.push({ run, ledgers: left, jobs: await recordedJobs(left) });
    }
    if (c.ledgerA !== undefined) expect(summary(stops[0]!.ledgers.get('a.csv'))).toBe(c.ledgerA);
    if (c.ledgerAAfterRerun !== undefined) expect(summary(stops[1]!.ledgers.get('a.csv'))).toBe(c.ledgerAAfterRerun);

    const last = await load(rerunConfig, rerunId, new RunSeams('LastName'), killed);
    expect(last.error).toBeUndefined();
    expect(last.result!.objects.map((o) => o.object)).toEqual(['Contact']);

    const after = await ledgers(id);
    await expectNothingSentAgain(stops, last, after);
    await expectEveryRowOnce(id);
    await expectLogsWhereTheLoadStarted(id, after);
    expectLedgersDone({ first: id, rerun: rerunId }, stops, last, after);
  });
});
