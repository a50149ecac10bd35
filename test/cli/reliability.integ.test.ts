import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetPartitionsCommand } from '@aws-sdk/client-glue';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { FaultProxy } from '../../src/local-parts';
import { contactsWithBadRows } from '../support/contact-data';
import { loadProcess } from '../support/load-process';
import { seeded, testSeed } from '../support/seeded-random';
import { sfetlInProcess, TestStack } from '../support/stack';

jest.setTimeout(600_000);

let stack: TestStack;
let proxy: FaultProxy;

beforeAll(async () => {
  stack = await TestStack.start();
  proxy = await FaultProxy.start(stack.description.aws.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await stack?.stop();
});

/** A config for one Contact source on one env, through the fault proxy, with short leases and polls. */
function config(name: string, source: string, change: (c: Record<string, any>) => void = () => undefined): string {
  const c = parseYaml(readFileSync(stack.config, 'utf8')) as Record<string, any>;
  c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
  c.limits = {
    ...c.limits,
    maxJobRows: 500,
    pollIntervalMs: 20,
    pollMaxIntervalMs: 100,
    leaseSeconds: 2,
    failureRateThreshold: 0.5,
  };
  c.aws.endpoint = proxy.endpoint;
  change(c);
  const path = join(stack.dir, `${name}.yaml`);
  writeFileSync(path, toYaml(c));
  return path;
}

async function loadInProcess(args: readonly string[]) {
  const result = await sfetlInProcess(['load', '--output', 'json', ...args]);
  return { code: result.code, err: result.err, events: result.json };
}

/** Runs loads until one ends 0 (a lease left by a killed run ends by itself after leaseSeconds). */
async function rerunUntilDone(args: readonly string[]): Promise<Record<string, any>[]> {
  // Longer than any lease in this file (at most 20 s), with room for slow process starts.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const result = await loadProcess(args);
    if (result.code === 0) return result.events;
    if (result.code !== 4) throw new Error(`rerun exited ${result.code}: ${result.stderr}`);
    await new Promise((r) => setTimeout(r, 700));
  }
  throw new Error('the lease never became free in 90 s');
}

/** Every log row of one env for Contact, with the key of the file it is in. */
async function logRows(env: string, prefix: string): Promise<{ status: string; row: Record<string, string | null> }[]> {
  const out: { status: string; row: Record<string, string | null> }[] = [];
  for (const status of ['success', 'failure']) {
    const keys = (await stack.logKeys(`${status}/Contact/`)).filter(
      (k) => k.includes(`/env=${env}/`) && k.endsWith('.parquet'),
    );
    for (const key of keys) {
      for (const row of await stack.readParquet(`s3://sfetl-logs/${key}`)) {
        if (String(row.Ext_Id__c).startsWith(prefix)) out.push({ status, row });
      }
    }
  }
  return out;
}

/**
 * DESIGN.md §3: every source row is in exactly one log row; the org holds exactly the success rows
 * (no duplicate records, no duplicate external ids); Glue partitions match the log files.
 */
async function expectInvariants(env: string, prefix: string, sourceIds: readonly string[]): Promise<void> {
  const rows = await logRows(env, prefix);
  const seen = new Map<string, number>();
  for (const { row } of rows) seen.set(String(row.Ext_Id__c), (seen.get(String(row.Ext_Id__c)) ?? 0) + 1);
  const missing = sourceIds.filter((id) => !seen.has(id));
  const doubled = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  expect({ missing, doubled, extra: [...seen.keys()].filter((id) => !sourceIds.includes(id)) }).toEqual({
    missing: [],
    doubled: [],
    extra: [],
  });

  const org = await stack.orgQuery<{ Id: string; Ext_Id__c: string }>(
    env,
    `SELECT Id, Ext_Id__c FROM Contact WHERE Ext_Id__c LIKE '${prefix}%'`,
  );
  const successIds = rows.filter((r) => r.status === 'success').map((r) => r.row.sf__Id);
  expect(new Set(org.records.map((r) => r.Id))).toEqual(new Set(successIds));
  expect(org.records.length).toBe(successIds.length);
  expect(new Set(org.records.map((r) => r.Ext_Id__c)).size).toBe(org.records.length);

  const partitions = await stack.aws.glue.send(
    new GetPartitionsCommand({ DatabaseName: 'sfetl_logs', TableName: 'contact' }),
  );
  const registered = new Set(
    (partitions.Partitions ?? []).filter((p) => p.Values?.[2] === env).map((p) => p.StorageDescriptor!.Location!),
  );
  const directories = new Set(
    (await stack.logKeys(''))
      .filter((k) => /^(success|failure)\/Contact\//.test(k) && k.includes(`/env=${env}/`) && k.endsWith('.parquet'))
      .map((k) => `s3://sfetl-logs/${k.slice(0, k.lastIndexOf('/') + 1)}`),
  );
  expect(registered).toEqual(directories);
}

const idsOf = (csv: string) =>
  csv
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.slice(0, l.indexOf(',')));

describe('faults: each run completes and nothing is lost or doubled', () => {
  async function clearFaults(): Promise<void> {
    proxy.configure({});
    await fetch(`${stack.description.orgs.qa!.controlUrl}/faults`, { method: 'PUT', body: '{}' });
  }
  afterEach(clearFaults);

  test('5xx, 429 bursts, session expiry, row locks, a failing job, S3 500/503 and slow answers, all at once', async () => {
    const prefix = 'F1-';
    const data = contactsWithBadRows(3_000, { INVALID_EMAIL_ADDRESS: 3 }, '', prefix);
    const source = await stack.putSource('faults/all.csv', data.csv);
    await fetch(`${stack.description.orgs.qa!.controlUrl}/faults`, {
      method: 'PUT',
      body: JSON.stringify({
        http5xxRate: 0.2,
        http5xxAfterEffectRate: 0.5,
        rateLimitBursts: { every: 40, length: 3 },
        sessionExpiryAfterCalls: 50,
        rowLockRate: 0.1,
        failJobAfterRecords: 200,
        failJobsCount: 1,
        latencyMs: { min: 0, max: 15 },
        seed: 11,
      }),
    });
    proxy.configure({ errorRate: 0.1, latencyMs: 5, seed: 5 });
    // About a fifth of this org's answers are faults (39 of 182 calls in one run), and a 429 burst can take
    // three attempts of a call made while no other call is under way. With the default 6 attempts a call
    // seldom runs out of them (no run of 40 here, seeds 11-50; once in CI), and the run then exits 1 for a
    // rerun to resume (see the SIGTERM test). This test is about what the faults do to the rows, so the
    // runner gets 10 attempts: four more, each failing about one time in five, make that ~500 times rarer.
    const cfg = config('faults', source, (c) => (c.limits.httpAttempts = 10));
    const result = await loadInProcess(['--config', cfg, '--env', 'qa', '--run-id', 'faults-1']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(proxy.counts.faults).toBeGreaterThan(0);
    expect(result.events.filter((e) => e.event === 'rows-retried').length).toBeGreaterThan(0);
    // The faults are meant for the runner, not for the checks that read the org and the logs afterwards.
    await clearFaults();
    await expectInvariants('qa', prefix, idsOf(data.csv));
  });
});

describe('reruns', () => {
  test('a second run skips files already loaded, saying by which run; --force loads them again', async () => {
    const prefix = 'R1-';
    const data = contactsWithBadRows(600, {}, '', prefix);
    const source = await stack.putSource('reruns/skip.csv', data.csv);
    const cfg = config('skip', source);
    expect((await loadInProcess(['--config', cfg, '--env', 'dev', '--run-id', 'skip-1'])).code).toBe(0);
    const again = await loadInProcess(['--config', cfg, '--env', 'dev', '--run-id', 'skip-2']);
    expect(again.code).toBe(0);
    expect(again.events.filter((e) => e.event === 'file-skipped')).toEqual([
      expect.objectContaining({ source, runId: 'skip-1' }),
    ]);
    await expectInvariants('dev', prefix, idsOf(data.csv));
    const forced = await loadInProcess(['--config', cfg, '--env', 'dev', '--run-id', 'skip-3', '--force']);
    // Insert again on purpose: every row now fails on the unique external id, and says so.
    expect(forced.code).toBe(2);
    const failures = (await logRows('dev', prefix)).filter((r) => r.status === 'failure');
    expect(failures).toHaveLength(600);
    expect(failures.every((f) => f.row.sf__Error!.startsWith('DUPLICATE_VALUE'))).toBe(true);
  });
});

describe('crashes: the runner is killed with SIGKILL, then rerun', () => {
  const phases: [string, (e: Record<string, any>) => boolean][] = [
    ['after job create', (e) => e.event === 'job-state' && e.state === 'Open'],
    ['mid-upload', (e) => e.event === 'job-state' && e.state === 'Open' && e.part === 1],
    ['after close', (e) => e.event === 'job-state' && e.state === 'UploadComplete'],
    ['while fetching results', (e) => e.event === 'results-fetching'],
    ['mid-Parquet upload', (e) => e.event === 'log-uploading'],
    ['after registration', (e) => e.event === 'partitions-registered'],
  ];
  let n = 0;

  async function crashAndRerun(kill: (e: Record<string, any>) => boolean, sameRunId: boolean) {
    n++;
    const prefix = `K${n}-`;
    const data = contactsWithBadRows(1_500, { STRING_TOO_LONG: 2, SFETL_COLUMN_COUNT: 1 }, '', prefix);
    const source = await stack.putSource(`crash/${n}.csv`, data.csv);
    const cfg = config(`crash-${n}`, source);
    const first = await loadProcess(['--config', cfg, '--env', 'uat', '--run-id', `crash-${n}`], kill);
    await rerunUntilDone(['--config', cfg, '--env', 'uat', ...(sameRunId ? ['--run-id', `crash-${n}`] : [])]);
    await expectInvariants('uat', prefix, idsOf(data.csv));
    return first;
  }

  test.each(phases)('killed %s', async (_, when) => {
    const first = await crashAndRerun(when, true);
    expect(first.signal).toBe('SIGKILL');
  });

  test('killed at 20 seeded random moments, rerun with a new run id (a console rerun)', async () => {
    // A random event index, not a random time: a load can finish before any fixed delay on a fast
    // machine. The events arrive through a pipe, so the runner is already past the chosen one.
    const baseline = await crashAndRerun(() => false, false);
    expect(baseline.code).toBe(0);
    const events = baseline.events.length;
    expect(events).toBeGreaterThan(10);
    const killedAt: number[] = [];
    const random = seeded(testSeed('reliability: kill points'));
    for (let i = 0; i < 20; i++) {
      const at = Math.floor(random() * (events - 2));
      let seen = 0;
      const first = await crashAndRerun(() => seen++ === at, false);
      if (first.signal === 'SIGKILL') killedAt.push(at);
    }
    expect(killedAt).toHaveLength(20);
  });
});

describe('one writer per env and object', () => {
  test('two runners start together: one loads, the other exits 4 naming the holder; a killed holder’s lease expires by itself', async () => {
    const prefix = 'L1-';
    const data = contactsWithBadRows(1_500, {}, '', prefix);
    const source = await stack.putSource('locks/l1.csv', data.csv);
    const cfg = config('lock', source);
    await fetch(`${stack.description.orgs.prod!.controlUrl}/faults`, {
      method: 'PUT',
      body: JSON.stringify({ latencyMs: 30 }),
    });
    try {
      const args = (id: string) => ['--config', cfg, '--env', 'prod', '--confirm-env', 'prod', '--run-id', id];
      const [a, b] = await Promise.all([loadProcess(args('lock-a')), loadProcess(args('lock-b'))]);
      const codes = [a.code, b.code].sort();
      expect(codes).toEqual([0, 4]);
      const loser = a.code === 4 ? a : b;
      const winner = a.code === 4 ? 'lock-b' : 'lock-a';
      expect(loser.stderr).toMatch(
        new RegExp(`Contact in prod is being loaded by run ${winner}; its lease ends at \\S+; wait for it`),
      );

      // The holder is killed mid-run; the next run waits for its lease to end, then takes over.
      const prefix2 = 'L2-';
      const data2 = contactsWithBadRows(1_500, {}, '', prefix2);
      const source2 = await stack.putSource('locks/l2.csv', data2.csv);
      // A lease long enough that the blocked run surely starts before it ends, even on a loaded machine.
      const cfg2 = config('lock2', source2, (c) => (c.limits.leaseSeconds = 20));
      const holder = await loadProcess(
        ['--config', cfg2, '--env', 'prod', '--confirm-env', 'prod', '--run-id', 'lock-c'],
        (e) => e.event === 'job-state' && e.state === 'UploadComplete',
      );
      expect(holder.signal).toBe('SIGKILL');
      const blocked = await loadProcess([
        '--config',
        cfg2,
        '--env',
        'prod',
        '--confirm-env',
        'prod',
        '--run-id',
        'lock-d',
      ]);
      expect(blocked.code).toBe(4);
      expect(blocked.stderr).toMatch(/being loaded by run lock-c/);
      await rerunUntilDone(['--config', cfg2, '--env', 'prod', '--confirm-env', 'prod', '--run-id', 'lock-e']);
      await expectInvariants('prod', prefix, idsOf(data.csv));
      await expectInvariants('prod', prefix2, idsOf(data2.csv));
    } finally {
      await fetch(`${stack.description.orgs.prod!.controlUrl}/faults`, { method: 'PUT', body: '{}' });
    }
  });
});

describe('SIGTERM (Glue stop or timeout)', () => {
  test('the runner saves its state, gives its lease back and exits 1; the next run continues at once', async () => {
    const prefix = 'T1-';
    const data = contactsWithBadRows(2_000, {}, '', prefix);
    const source = await stack.putSource('sigterm/t1.csv', data.csv);
    const cfg = config('sigterm', source, (c) => (c.limits.leaseSeconds = 300));
    const args = ['--config', cfg, '--env', 'qa'];
    const first = await loadProcess(
      [...args, '--run-id', 'term-1'],
      (e) => e.event === 'job-state' && e.state === 'UploadComplete',
      'SIGTERM',
    );
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/run stopped: received SIGTERM; the run's state is saved: run sfetl load again/);
    // The lease was given back: a new run does not wait 300 s for it.
    const second = await loadProcess([...args, '--run-id', 'term-2']);
    expect(second.code).toBe(0);
    expect(second.events.filter((e) => e.event === 'file-resumed')).toEqual([
      expect.objectContaining({ runId: 'term-1' }),
    ]);
    await expectInvariants('qa', prefix, idsOf(data.csv));
  });
});
