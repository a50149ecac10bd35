import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrgEmulator } from '../../packages/emulator/src';
import { contactsCsv, setFaults } from '../../packages/emulator/test/support/emulator-client';
import { LoadLimits } from '../../src/config';
import { BulkJobRunner } from '../../src/pipeline';
import { parseCredentials, SalesforceApi, SalesforceApiError } from '../../src/salesforce';

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

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('BulkJobRunner against the org emulator', () => {
  let emulator: OrgEmulator;
  let work: string;
  let api: SalesforceApi;
  let part: string;

  beforeAll(async () => {
    emulator = await OrgEmulator.start({ orgs: ['dev', { name: 'slow', recordsPerSecond: 200 }] });
    work = mkdtempSync(join(tmpdir(), 'sfetl-runner-'));
    part = join(work, 'part.csv');
    writeFileSync(part, contactsCsv(1000));
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

  test('a job that goes Failed mid-way leaves its results and its unprocessed rows on disk', async () => {
    await setFaults(emulator.orgs.dev!, { failJobAfterRecords: 400, failJobsCount: 1 });
    const states: string[] = [];
    const runner = new BulkJobRunner({
      api,
      object: 'Contact',
      operation: 'insert',
      limits,
      workDir: work,
      onState: (_, j) => states.push(j.state),
    });
    const outcome = await runner.run({ index: 0, path: part, rows: 1000 });
    expect(outcome.state).toBe('Failed');
    expect(outcome.errorMessage).toMatch(/failed after 400 records/);
    expect(lines(outcome.successCsv)).toHaveLength(1 + 400);
    expect(lines(outcome.unprocessedCsv)).toHaveLength(1 + 600);
    expect(states[0]).toBe('Open');
    expect(states).toContain('Failed');
  });

  test('a job not finished in time is aborted; what it did not process comes back unprocessed', async () => {
    let clock = 0;
    const runner = new BulkJobRunner({
      api: apiFor('slow'),
      object: 'Contact',
      operation: 'insert',
      limits,
      workDir: work,
      now: () => clock,
      sleep: async (ms) => {
        clock += 30_000;
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    const outcome = await runner.run({ index: 1, path: part, rows: 1000 });
    expect(outcome.timedOut).toBe(true);
    expect(outcome.state).toBe('Aborted');
    const done = lines(outcome.successCsv).length - 1;
    const unprocessed = lines(outcome.unprocessedCsv).length - 1;
    expect(done).toBeLessThan(1000);
    expect(done + unprocessed).toBe(1000);
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
    const runner = new BulkJobRunner({
      api: flakyPolls(503, 3),
      object: 'Contact',
      operation: 'insert',
      limits,
      workDir: work,
    });
    const outcome = await runner.run({ index: 1, path: part, rows: 1000 });
    expect(outcome.state).toBe('JobComplete');
    expect(lines(outcome.successCsv).length - 1).toBe(1000);
  });

  test('a poll refused for a reason that is not transient still fails the job', async () => {
    const runner = new BulkJobRunner({
      api: flakyPolls(400, 1),
      object: 'Contact',
      operation: 'insert',
      limits,
      workDir: work,
    });
    await expect(runner.run({ index: 1, path: part, rows: 1000 })).rejects.toThrow(/HTTP 400 SERVER_UNAVAILABLE/);
  });
});
