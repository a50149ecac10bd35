import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadLimits } from '../../src/config';
import { LoadEvent, LogFile, MemoryLedgerStore, PartLoader, SourceLedger, SourceLedgerState } from '../../src/pipeline';
import { MemoryBulkOrg, OrgCall } from '../support/memory-bulk-org';
import { MemoryLogs, partContext } from '../support/part-harness';

const SOURCE = join(__dirname, '..', 'fixtures', 'part-attempt', 'contacts.csv');
const LEDGER_KEY = '_sfetl/ledgers/dev/Contact/contacts.csv/v1.json';
const LIMITS: LoadLimits = {
  failureRateThreshold: 0.05,
  concurrency: 1,
  maxJobBytes: 100_000_000,
  maxJobRows: 10_000_000,
  pollIntervalMs: 10,
  pollMaxIntervalMs: 50,
  jobTimeoutMinutes: 10,
  maxRecordAttempts: 3,
  httpAttempts: 3,
  leaseSeconds: 300,
};

/** Thrown where the test "kills" the run. */
class Crash extends Error {}

function newLedger(): SourceLedgerState {
  return {
    version: 1,
    env: 'dev',
    object: 'Contact',
    source: { bucket: 'src', key: 'contacts.csv', etag: '"e1"', size: 1 },
    runId: 'r1',
    createdTime: '20261206000000',
    maxJobBytes: LIMITS.maxJobBytes,
    maxJobRows: LIMITS.maxJobRows,
    uploadHeader: ['LastName', 'Email'],
    status: 'in-progress',
    parts: [],
    rejectsLogged: true,
    startedAt: '2026-12-06T00:00:00.000Z',
    updatedAt: '2026-12-06T00:00:00.000Z',
    resumedBy: [],
  };
}

/** One run's go at part 0, resumed from what the store holds (as a rerun reads the ledger from S3). */
async function runPart(
  h: { store: MemoryLedgerStore; org: MemoryBulkOrg; logs: MemoryLogs; events: LoadEvent[]; work: string },
  checkpointHook: () => void = () => undefined,
): Promise<void> {
  const ledger = (await SourceLedger.load(h.store, LEDGER_KEY))!;
  const context = partContext({
    api: h.org,
    logs: h.logs,
    limits: LIMITS,
    workDir: h.work,
    uploadHeader: ['LastName', 'Email'],
    events: h.events,
    checkpoint: async () => {
      checkpointHook();
      await ledger.save(new Date());
    },
  });
  // The file loader cuts the part again from the source in every run.
  const data = join(h.work, 'part-00000.csv');
  await copyFile(SOURCE, data);
  await new PartLoader({ context, part: ledger.part(0, 10), data, onJob: () => undefined }).run();
}

describe('a part attempt that crashes after any phase, then resumes', () => {
  let work: string;
  let h: { store: MemoryLedgerStore; org: MemoryBulkOrg; logs: MemoryLogs; events: LoadEvent[]; work: string };

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'sfetl-part-crash-'));
    h = { store: new MemoryLedgerStore(), org: new MemoryBulkOrg(), logs: new MemoryLogs(), events: [], work };
    await SourceLedger.begin(h.store, LEDGER_KEY, newLedger()).save(new Date('2026-12-06T00:00:00Z'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** Every row loaded once and logged once: 8 in the org and the success log, the 2 without Email failed. */
  async function expectEveryRowOnce(): Promise<void> {
    const emails = ['r01', 'r02', 'lock04', 'r05', 'r06', 'lock07', 'r08', 'r10'].map((e) => `${e}@example.com`);
    expect(Object.fromEntries(h.org.inserted)).toEqual(Object.fromEntries(emails.map((e) => [e, 1])));
    expect(Object.fromEntries(h.logs.count('success', 'Email'))).toEqual(Object.fromEntries(emails.map((e) => [e, 1])));
    expect(Object.fromEntries(h.logs.count('failure', 'Email'))).toEqual({ '': 2 });
    const saved = (await SourceLedger.load(h.store, LEDGER_KEY))!;
    expect(saved.state.parts[0]!.done).toBe(true);
    expect([saved.successRows, saved.failureRows]).toEqual([8, 2]);
  }

  test('without a crash: one job per attempt, each job state emitted once', async () => {
    await runPart(h);
    await expectEveryRowOnce();
    const states = h.events.flatMap((e) => (e.type === 'job-state' ? [`${e.jobId} ${e.state}`] : []));
    // Attempt 1 and the retry of the two locked rows: created (Open), closed (UploadComplete), polled (JobComplete).
    expect(states).toEqual([
      '750000000000000001 Open',
      '750000000000000001 UploadComplete',
      '750000000000000001 JobComplete',
      '750000000000000002 Open',
      '750000000000000002 UploadComplete',
      '750000000000000002 JobComplete',
    ]);
  });

  const orgCalls: OrgCall[] = ['create', 'upload', 'close', 'poll', 'download'];
  test.each(orgCalls.flatMap((call) => [1, 2].map((nth) => [call, nth] as const)))(
    'crash after the org did %s (call %i): the rerun loads and logs every row once',
    async (call, nth) => {
      let seen = 0;
      let dead = false;
      h.org.after = (done) => {
        if (done === call && ++seen === nth) {
          dead = true;
          throw new Crash(`after ${call}`);
        }
      };
      // A killed process makes no further call: the error handling around the call cannot reach the org.
      h.org.before = () => {
        if (dead) throw new Crash('dead');
      };
      await expect(runPart(h)).rejects.toThrow(Crash);
      expect(dead).toBe(true);
      h.org.after = () => undefined;
      h.org.before = () => undefined;
      await runPart(h);
      await expectEveryRowOnce();
    },
  );

  test.each([
    ['sort', 'before the first log file (failures sorted)'],
    ['log', 'after the success log file, before the failure log file'],
  ])('crash at %s (%s): the rerun rewrites the same log files, every row once', async (phase) => {
    const hook = (file: LogFile) => {
      if (file.status === 'success') throw new Crash(phase);
    };
    if (phase === 'sort') h.logs.before = hook;
    else h.logs.after = hook;
    await expect(runPart(h)).rejects.toThrow(Crash);
    h.logs.before = () => undefined;
    h.logs.after = () => undefined;
    await runPart(h);
    await expectEveryRowOnce();
  });

  test('crash at every checkpoint (the step before it done, the ledger not saved): every row once', async () => {
    let checkpoints = 0;
    await runPart(h, () => checkpoints++);
    // Per attempt: created, uploaded, closed, logged; then the part done.
    expect(checkpoints).toBe(9);
    for (let k = 1; k <= checkpoints; k++) {
      await rm(work, { recursive: true, force: true });
      work = await mkdtemp(join(tmpdir(), 'sfetl-part-crash-'));
      h = { store: new MemoryLedgerStore(), org: new MemoryBulkOrg(), logs: new MemoryLogs(), events: [], work };
      await SourceLedger.begin(h.store, LEDGER_KEY, newLedger()).save(new Date('2026-12-06T00:00:00Z'));
      let n = 0;
      await expect(
        runPart(h, () => {
          if (++n === k) throw new Crash(`checkpoint ${k}`);
        }),
      ).rejects.toThrow(Crash);
      await runPart(h);
      await expectEveryRowOnce();
    }
  });
});
