import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrgEmulator } from '../../packages/emulator/src';
import { contactsCsv, setFaults } from '../../packages/emulator/test/support/emulator-client';
import { LoadLimits } from '../../src/config';
import { LoadEvent, PartLoader, PartState } from '../../src/pipeline';
import { parseCredentials, SalesforceApi, SalesforceApiError } from '../../src/salesforce';
import { MemoryLogs, partContext } from '../support/part-harness';

const HEADER = ['Ext_Id__c', 'FirstName', 'LastName', 'Email', 'Birthdate'];

const limits: LoadLimits = {
  failureRateThreshold: 0.05,
  concurrency: 2,
  maxJobBytes: 100_000_000,
  maxJobRows: 10_000_000,
  pollIntervalMs: 10,
  pollMaxIntervalMs: 50,
  jobTimeoutMinutes: 1,
  maxRecordAttempts: 3,
  httpAttempts: 6,
  leaseSeconds: 300,
};

describe('PartLoader (attempts of one part, the Bulk API 2.0 job calls) against the org emulator', () => {
  let emulator: OrgEmulator;
  let work: string;
  let api: SalesforceApi;

  beforeAll(async () => {
    emulator = await OrgEmulator.start({ orgs: ['dev', { name: 'slow', recordsPerSecond: 200 }] });
    work = mkdtempSync(join(tmpdir(), 'sfetl-runner-'));
  });
  afterAll(async () => {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  });
  const apiFor = (name: string) => {
    const org = emulator.orgs[name]!;
    return new SalesforceApi({
      instanceUrl: org.instanceUrl,
      loginUrl: org.loginUrl,
      apiVersion: '66.0',
      credentials: parseCredentials(
        'client_credentials',
        { clientId: org.clientId, clientSecret: org.clientSecret },
        name,
      ),
    });
  };
  beforeEach(() => {
    emulator.org('dev').reset();
    api = apiFor('dev');
  });

  /** Part 0 of a Contact file of 1000 rows through its attempts, as the file loader runs it; what was logged. */
  async function loadPart(
    partApi: SalesforceApi,
    options: { clock?: () => Date; sleep?: (ms: number) => Promise<void> } = {},
  ) {
    const logs = new MemoryLogs();
    const events: LoadEvent[] = [];
    const part: PartState = { index: 0, rows: 1000, done: false, attempts: [] };
    const context = partContext({
      api: partApi,
      logs,
      limits,
      workDir: work,
      uploadHeader: HEADER,
      events,
      checkpoint: async () => undefined,
      ...options,
    });
    const data = join(work, 'part-00000.csv');
    writeFileSync(data, contactsCsv(1000));
    await new PartLoader({ context, part, data, onJob: () => undefined }).run();
    const states = events.flatMap((e) => (e.type === 'job-state' ? [e.state] : []));
    return { logs, part, states };
  }

  test('a job that goes Failed mid-way: its results are logged, its unprocessed rows go in the next job', async () => {
    await setFaults(emulator.orgs.dev!, { failJobAfterRecords: 400, failJobsCount: 1 });
    const { logs, part, states } = await loadPart(api);
    expect(part.attempts.map((a) => [a.state, a.success, a.retried])).toEqual([
      ['Failed', 400, 600],
      ['JobComplete', 600, 0],
    ]);
    expect(logs.rows('success')).toHaveLength(1000);
    expect([...logs.count('success', 'Email').values()].every((n) => n === 1)).toBe(true);
    expect(states[0]).toBe('Open');
    expect(states).toContain('Failed');
  });

  test('a job not finished in time is aborted; what no attempt processed is logged as a failure', async () => {
    let now = 0;
    const { logs, part, states } = await loadPart(apiFor('slow'), {
      clock: () => new Date(now),
      sleep: async (ms) => {
        now += 30_000;
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    expect(part.attempts.every((a) => a.state === 'Aborted')).toBe(true);
    expect(states).toContain('Aborted');
    const done = logs.rows('success').length;
    const unprocessed = logs.rows('failure');
    expect(done).toBeLessThan(1000);
    expect(done + unprocessed.length).toBe(1000);
    expect(unprocessed[0]!.sf__Error).toMatch(/^SFETL_UNPROCESSED:.*did not finish within 1 minutes/);
  });

  /** The dev org's API whose job polls fail with `status` the first `failures` times, after their own tries. */
  const flakyPolls = (status: number, failures: number) => {
    const real = apiFor('dev');
    const flaky = Object.create(real) as SalesforceApi;
    let left = failures;
    flaky.getJob = async (id: string) => {
      if (left-- > 0) {
        throw new SalesforceApiError(status, 'SERVER_UNAVAILABLE', 'try again', 'GET', `/jobs/ingest/${id}`);
      }
      return real.getJob(id);
    };
    return flaky;
  };

  test('polls that fail for a transient reason do not fail the job: the next poll asks again', async () => {
    const { logs, part } = await loadPart(flakyPolls(503, 3));
    expect(part.attempts.map((a) => a.state)).toEqual(['JobComplete']);
    expect(logs.rows('success')).toHaveLength(1000);
  });

  test('a poll refused for a reason that is not transient still fails the part', async () => {
    await expect(loadPart(flakyPolls(400, 1))).rejects.toThrow(/HTTP 400 SERVER_UNAVAILABLE/);
  });
});
