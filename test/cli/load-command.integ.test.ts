import { join, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetPartitionsCommand } from '@aws-sdk/client-glue';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { OrgEmulator } from '../../packages/emulator/src';
import { run } from '../../src/cli/main';
import { METRICS_NAMESPACE } from '../../src/infra/environments';
import { ParquetLogWriter, ParquetWriteError } from '../../src/pipeline';
import { contactsWithBadRows, GeneratedFile } from '../support/contact-data';
import { Capture, loadWithWriter, orgGet, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/** Runs `sfetl load` in process; returns the exit code and what it wrote. */
async function load(stack: TestStack, args: readonly string[], config = stack.config) {
  const out = new Capture();
  const err = new Capture();
  const errWrite = process.stderr.write.bind(process.stderr);
  let code: number;
  process.stderr.write = ((chunk: string | Uint8Array) => err.stream.write(chunk)) as typeof process.stderr.write;
  try {
    code = await run(['load', '--config', config, '--output', 'json', ...args], out.stream);
  } finally {
    process.stderr.write = errWrite;
  }
  return { code, out, err, events: out.jsonLines() };
}

/**
 * Jobs in flight, from their first state (Open) to job-finished, whichever file they belong to: the most at
 * once, whether jobs of two files were ever in flight together, and the files that had jobs.
 */
function jobsInFlight(events: Record<string, unknown>[]): { most: number; overlapped: boolean; files: Set<string> } {
  const inFlight = new Map<string, string>();
  const files = new Set<string>();
  let most = 0;
  let overlapped = false;
  for (const e of events) {
    if (e.event === 'job-state' && e.state === 'Open') {
      overlapped ||= [...inFlight.values()].some((file) => file !== e.source);
      inFlight.set(e.jobId as string, e.source as string);
      files.add(e.source as string);
      most = Math.max(most, inFlight.size);
    }
    if (e.event === 'job-finished') inFlight.delete(e.jobId as string);
  }
  return { most, overlapped, files };
}

function summary(events: Record<string, unknown>[]): Record<string, any> {
  return events.find((e) => e.event === 'summary') as Record<string, any>;
}

/** The log locations (s3://…/) of one status in the summary of a run of one object. */
function logOf(events: Record<string, unknown>[], status: 'success' | 'failure'): string {
  return summary(events).objects[0].logs.find((l: string) => l.includes(`/${status}/`));
}

/** Glue partitions of a log table that belong to one run. */
async function partitionsOf(stack: TestStack, table: string, runId: string) {
  const partitions = await stack.aws.glue.send(
    new GetPartitionsCommand({ DatabaseName: 'sfetl_logs', TableName: table }),
  );
  return (partitions.Partitions ?? []).filter((p) => p.Values?.[1] === runId);
}

describe('sfetl load against the embedded default', () => {
  let stack: TestStack;
  let contacts: GeneratedFile;

  beforeAll(async () => {
    stack = await TestStack.start();
    contacts = contactsWithBadRows(10_000, {
      REQUIRED_FIELD_MISSING: 30,
      INVALID_EMAIL_ADDRESS: 30,
      STRING_TOO_LONG: 20,
      INVALID_TYPE_ON_FIELD_IN_RECORD: 20,
      SFETL_COLUMN_COUNT: 20,
      SFETL_MALFORMED_QUOTES: 17,
    });
  });
  afterAll(() => stack?.stop());

  test('--env qa loads 10,000 Contacts into the qa org only and logs every row, Glue-registered', async () => {
    const source = await stack.putSource('runs/qa/contacts.csv', contacts.csv);
    const insertConfig = stack.configWith('insert.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    });
    const result = await load(stack, ['--env', 'qa', '--run-id', 'run-qa-1'], insertConfig);
    expect(result.err.text).toBe('');
    expect(result.code).toBe(0);
    // The JSON lines say which env they are about: the run's first and last events, its metrics, its summary.
    expect(
      result.events.filter((e) => e.event === 'run-started' || e.event === 'run-finished').map((e) => [e.event, e.env]),
    ).toEqual([
      ['run-started', 'qa'],
      ['run-finished', 'qa'],
    ]);
    const metrics = result.events.filter((e) => e._aws);
    expect(metrics.length).toBeGreaterThanOrEqual(2);
    expect(metrics.every((m) => m.env === 'qa')).toBe(true);
    expect(summary(result.events).env).toBe('qa');

    for (const env of ['dev', 'uat', 'prod']) {
      expect((await stack.orgQuery(env, 'SELECT COUNT() FROM Contact')).totalSize).toBe(0);
    }
    const orgIds = (await stack.orgQuery<{ Id: string }>('qa', 'SELECT Id FROM Contact')).records.map((r) => r.Id);
    expect(orgIds).toHaveLength(9_863);

    const s = summary(result.events);
    const contactSummary = s.objects[0];
    const successLocation = contactSummary.logs.find((l: string) => l.includes('/success/'));
    const failureLocation = contactSummary.logs.find((l: string) => l.includes('/failure/'));
    expect(successLocation).toMatch(
      /^s3:\/\/sfetl-logs\/success\/Contact\/run_id=run-qa-1\/env=qa\/created_time=\d{14}\/$/,
    );
    expect(failureLocation).toMatch(
      /^s3:\/\/sfetl-logs\/failure\/Contact\/run_id=run-qa-1\/env=qa\/created_time=\d{14}\/$/,
    );

    const successRows = await stack.readParquet(successLocation);
    expect(successRows).toHaveLength(9_863);
    expect(new Set(successRows.map((r) => r.sf__Id))).toEqual(new Set(orgIds));
    expect(successRows.every((r) => r.sf__Created === 'true' && /^750/.test(r.sf__JobId ?? ''))).toBe(true);

    const failureRows = await stack.readParquet(failureLocation);
    expect(failureRows).toHaveLength(137);
    const rejectedAt: [string, number][] = [];
    for (const row of failureRows) {
      const ext = String(row.Ext_Id__c).slice(0, 9);
      const expected = contacts.bad.get(ext);
      expect({ ext, error: row.sf__Error?.split(':')[0] }).toEqual({ ext, error: expected });
      if (expected?.startsWith('SFETL_')) {
        expect(row.sf__JobId).toBe('');
        const line = /\(s3:\/\/sfetl-source\/runs\/qa\/contacts\.csv line (\d+)\)/.exec(row.sf__Error ?? '');
        rejectedAt.push([ext, Number(line?.[1])]);
      } else {
        expect(row.sf__JobId).toMatch(/^750/);
      }
    }
    // Contact n (C-000000n) is on source line n + 2: line 1 is the header, no value spans lines.
    const sourceLine = (ext: string) => Number(ext.slice(2)) + 2;
    expect(rejectedAt.sort()).toEqual(
      [...contacts.bad]
        .filter(([, kind]) => kind.startsWith('SFETL_'))
        .map(([ext]) => [ext, sourceLine(ext)])
        .sort(),
    );

    const partitions = await stack.aws.glue.send(
      new GetPartitionsCommand({ DatabaseName: 'sfetl_logs', TableName: 'contact' }),
    );
    const registered = (partitions.Partitions ?? []).map((p) => ({
      values: p.Values,
      location: p.StorageDescriptor?.Location,
    }));
    expect(registered).toHaveLength(2);
    for (const p of registered) {
      const rows = await stack.readParquet(p.location!);
      expect(rows).toHaveLength(p.values![0] === 'success' ? 9_863 : 137);
      expect(p.values!.slice(1, 3)).toEqual(['run-qa-1', 'qa']);
    }
    expect(registered.map((p) => p.location).sort()).toEqual([failureLocation, successLocation].sort());
  });

  test('the exit code follows the failure-rate threshold', async () => {
    const source = await stack.putSource('runs/dev/contacts.csv', contacts.csv);
    const strict = stack.configWith('strict.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
      c.limits.failureRateThreshold = 0.01;
    });
    const result = await load(stack, ['--env', 'dev'], strict);
    expect(result.code).toBe(2);
    expect(result.err.text).toMatch(/1\.37% of the rows failed \(threshold 1\.00%\)/);
    expect((await stack.orgQuery('dev', 'SELECT COUNT() FROM Contact')).totalSize).toBe(9_863);
  });

  test('a file over 250 MB is split into at least three jobs and every row is accounted for', async () => {
    const big = contactsWithBadRows(250_000, { SFETL_COLUMN_COUNT: 3, INVALID_EMAIL_ADDRESS: 5 }, 'x'.repeat(1000));
    expect(Buffer.byteLength(big.csv)).toBeGreaterThan(250 * 1024 * 1024);
    const source = await stack.putSource('runs/uat/big.csv', big.csv);
    const cfg = stack.configWith('big.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    });
    const result = await load(stack, ['--env', 'uat', '--run-id', 'run-big'], cfg);
    expect(result.code).toBe(0);
    const jobs = result.events.filter((e) => e.event === 'job-finished');
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    const s = summary(result.events);
    expect(s.rowsRead).toBe(250_000);
    expect(s.success + s.failure).toBe(250_000);
    expect(s.failure).toBe(8);
    expect((await stack.orgQuery('uat', 'SELECT COUNT() FROM Contact')).totalSize).toBe(250_000 - 8);
    // The Parquet logs themselves hold every row read, each once.
    const success = await stack.countParquet([logOf(result.events, 'success')], 'Ext_Id__c');
    const failure = await stack.countParquet([logOf(result.events, 'failure')], 'Ext_Id__c');
    expect({ success: success.rows, failure: failure.rows }).toEqual({ success: 250_000 - 8, failure: 8 });
    const all = await stack.countParquet(
      [logOf(result.events, 'success'), logOf(result.events, 'failure')],
      'Ext_Id__c',
    );
    expect(all).toEqual({ rows: s.rowsRead, distinct: s.rowsRead });
  });

  test('upsert by external id updates; Contacts find the Accounts loaded before them in the same run', async () => {
    const accounts = await stack.putSource(
      'runs/order/accounts.csv',
      'Ext_Id__c,Name,Industry\nA-1,Acme,Technology\nA-2,Globex,Energy\n',
    );
    const people = await stack.putSource(
      'runs/order/contacts.csv',
      'Ext_Id__c,LastName,Account.Ext_Id__c\nP-1,Ng,A-1\nP-2,Lee,A-2\nP-3,Orphan,A-404\n',
    );
    // Listed Contact first: the load order, not the file order, decides.
    const cfg = stack.configWith('order.yaml', (c) => {
      c.objects = [
        { name: 'Contact', source: people, operation: 'upsert', externalIdField: 'Ext_Id__c', loadOrder: 2 },
        { name: 'Account', source: accounts, operation: 'upsert', externalIdField: 'Ext_Id__c', loadOrder: 1 },
      ];
      c.limits.failureRateThreshold = 0.5;
    });
    const first = await load(stack, ['--env', 'prod', '--confirm-env', 'prod', '--run-id', 'order-1'], cfg);
    expect(first.code).toBe(0);
    expect(first.events.filter((e) => e.event === 'object-started').map((e) => e.object)).toEqual([
      'Account',
      'Contact',
    ]);
    const linked = await stack.orgQuery<{ LastName: string; Account: { Ext_Id__c: string } | null }>(
      'prod',
      'SELECT LastName, Account.Ext_Id__c FROM Contact ORDER BY LastName',
    );
    expect(linked.records.map((r) => [r.LastName, r.Account?.Ext_Id__c])).toEqual([
      ['Lee', 'A-2'],
      ['Ng', 'A-1'],
    ]);
    const contactFailures = summary(first.events)
      .objects.find((o: any) => o.object === 'Contact')
      .logs.find((l: string) => l.includes('/failure/'));
    const [orphan] = await stack.readParquet(contactFailures);
    expect(orphan).toMatchObject({ Ext_Id__c: 'P-3', Account_Ext_Id__c: 'A-404' });
    expect(orphan!.sf__Error).toMatch(/^INVALID_FIELD:Foreign key external ID: A-404 not found/);

    await stack.putSource(
      'runs/order/accounts.csv',
      'Ext_Id__c,Name,Industry\nA-1,Acme Corporation,Technology\nA-2,Globex,Energy\n',
    );
    // The file at the same key changed: not loaded again silently, but on request (docs/operations.md).
    const refused = await load(
      stack,
      ['--env', 'prod', '--confirm-env', 'prod', '--object', 'Account', '--run-id', 'order-2'],
      cfg,
    );
    expect(refused.code).toBe(1);
    expect(refused.err.text).toMatch(
      /accounts\.csv changed since run order-1 loaded 2 rows of its earlier version \(ETag "[0-9a-f]+"\), so it is not loaded again silently\. To load the corrected file without loading a row twice, rerun with --skip-loaded-rows/,
    );
    const second = await load(
      stack,
      ['--env', 'prod', '--confirm-env', 'prod', '--object', 'Account', '--run-id', 'order-2', '--force'],
      cfg,
    );
    expect(second.code).toBe(0);
    const names = await stack.orgQuery<{ Name: string }>('prod', 'SELECT Name FROM Account ORDER BY Name');
    expect(names.records.map((r) => r.Name)).toEqual(['Acme Corporation', 'Globex']);
    const successLog = summary(second.events).objects[0].logs.find((l: string) => l.includes('/success/'));
    expect((await stack.readParquet(successLog)).map((r) => r.sf__Created)).toEqual(['false', 'false']);
  });

  test('a protected environment refuses to run without --confirm-env', async () => {
    const jobsBefore = await stack.jobCount('prod');
    const result = await load(stack, ['--env', 'prod']);
    expect(result.code).toBe(1);
    expect(result.err.text).toContain('prod is protected: run again with --confirm-env prod');
    expect(await stack.jobCount('prod')).toBe(jobsBefore);
  });

  describe('problems found before any job exists exit 1 and name the fix', () => {
    let source: string;
    beforeAll(async () => {
      await stack.resetOrgs();
      source = await stack.putSource('runs/bad/contacts.csv', 'LastName,Emial\nNg,ng@example.com\n');
    });
    afterEach(async () => {
      expect(await stack.jobCount('dev')).toBe(0);
    });

    /** Name, config change, arguments, message, and the object whose preflight names the file (if it is one). */
    const cases: [string, (c: Record<string, any>) => void, string[], RegExp, string | undefined][] = [
      [
        'unknown object',
        (c) =>
          (c.objects = [{ name: 'Contcat', source: 's3://sfetl-source/runs/bad/contacts.csv', operation: 'insert' }]),
        [],
        /the org has no object Contcat \(did you mean Contact\?\); fix objects\[\]\.name in the configuration/,
        'Contcat',
      ],
      [
        'a header that is not a field',
        (c) =>
          (c.objects = [{ name: 'Contact', source: 's3://sfetl-source/runs/bad/contacts.csv', operation: 'insert' }]),
        [],
        /column Emial is not a field of Contact \(did you mean Email\?\); rename the column or map it with columnMapping/,
        'Contact',
      ],
      [
        'a missing required column',
        (c) =>
          (c.objects = [
            {
              name: 'Account',
              source: 's3://sfetl-source/runs/bad/contacts.csv',
              operation: 'insert',
              columnMapping: { LastName: 'Description', Emial: 'Phone' },
            },
          ]),
        [],
        /required field Name missing for insert; add the column/,
        'Account',
      ],
      [
        'a bad config',
        (c) => (c.objects[0].operation = 'upsrt'),
        [],
        /objects\[0\]\.operation: "upsrt" is not an operation; did you mean "upsert"\?/,
        undefined,
      ],
      [
        'a missing secret',
        (c) => (c.environments.dev.auth.secretId = 'sfetl/nope'),
        [],
        /Secret "sfetl\/nope" was not found in AWS Secrets Manager; create it, or set auth.secretId/,
        undefined,
      ],
      [
        'an unknown env',
        () => undefined,
        ['--env', 'stage'],
        /unknown environment "stage"; run again with --env <dev\|qa\|uat\|prod>/,
        undefined,
      ],
    ];
    test.each(cases)('%s', async (_, change, extraArgs, message, preflightOf) => {
      const cfg = stack.configWith(`bad-${_.replace(/ /g, '-')}.yaml`, change);
      const args = extraArgs.length > 0 ? extraArgs : ['--env', 'dev'];
      const result = await load(stack, args, cfg);
      expect(result.code).toBe(1);
      expect(result.err.text).toMatch(message);
      if (preflightOf) {
        // A preflight problem names the file it was found in, and says nothing was sent.
        expect(result.err.text).toContain(`preflight of ${preflightOf} (${source}) failed, no job was created`);
      } else {
        expect(result.err.text).not.toContain('preflight');
      }
    });
  });

  test('--dry-run parses every row and reports would-be jobs and client-side rejects without creating a job', async () => {
    await stack.resetOrgs();
    const source = await stack.putSource('runs/dry/contacts.csv', contacts.csv);
    const cfg = stack.configWith('dry.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
      c.limits.maxJobRows = 3000;
    });
    const result = await load(stack, ['--env', 'dev', '--dry-run', '--run-id', 'dry-run-1'], cfg);
    expect(result.code).toBe(0);
    const s = summary(result.events);
    expect(s.dryRun).toBe(true);
    expect(s.runId).toBe('dry-run-1');
    expect(s.objects).toEqual([
      expect.objectContaining({ object: 'Contact', files: 1, rows: 10_000, jobs: 4, rejected: 37 }),
    ]);
    expect(await stack.jobCount('dev')).toBe(0);
    const logged = [...(await stack.logKeys('success/')), ...(await stack.logKeys('failure/'))];
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((k) => k.includes('run_id=dry-run-1/'))).toEqual([]);
    expect(await partitionsOf(stack, 'contact', 'dry-run-1')).toEqual([]);
  });

  test('a session that expires mid-run is renewed and the load completes', async () => {
    await stack.resetOrgs();
    await fetch(`${stack.description.orgs.qa!.controlUrl}/faults`, {
      method: 'PUT',
      body: JSON.stringify({ sessionExpiryAfterCalls: 4 }),
    });
    try {
      const source = await stack.putSource('runs/session/contacts.csv', contactsWithBadRows(3_000, {}).csv);
      const cfg = stack.configWith('session.yaml', (c) => {
        c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
        c.limits.maxJobRows = 500;
      });
      const result = await load(stack, ['--env', 'qa'], cfg);
      expect(result.code).toBe(0);
      expect(summary(result.events).success).toBe(3_000);
      expect((await stack.orgQuery('qa', 'SELECT COUNT() FROM Contact')).totalSize).toBe(3_000);
    } finally {
      await fetch(`${stack.description.orgs.qa!.controlUrl}/faults`, { method: 'PUT', body: '{}' });
    }
  });

  test.each([
    { attempts: 3, code: 0, success: 1_000, failure: 0 },
    { attempts: 1, code: 2, success: 300, failure: 700 },
  ])(
    'a job that fails mid-way: its unprocessed rows go again in a new job ($attempts attempts allowed), and what is left is logged',
    async ({ attempts, code, success, failure }) => {
      await stack.resetOrgs();
      const uat = stack.description.orgs.uat!;
      await fetch(`${uat.controlUrl}/faults`, {
        method: 'PUT',
        body: JSON.stringify({ failJobAfterRecords: 300, failJobsCount: 1 }),
      });
      try {
        const source = await stack.putSource(
          `runs/failed-job-${attempts}/contacts.csv`,
          contactsWithBadRows(1_000, {}).csv,
        );
        const cfg = stack.configWith(`failed-job-${attempts}.yaml`, (c) => {
          c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
          c.limits.maxRecordAttempts = attempts;
        });
        const result = await load(stack, ['--env', 'uat', '--run-id', `failed-job-${attempts}`], cfg);
        expect(result.code).toBe(code);
        const s = summary(result.events);
        expect([s.rowsRead, s.success, s.failure]).toEqual([1_000, success, failure]);
        expect((await stack.orgQuery('uat', 'SELECT COUNT() FROM Contact')).totalSize).toBe(success);
        if (failure > 0) {
          const failures = await stack.readParquet(s.objects[0].logs.find((l: string) => l.includes('/failure/')));
          expect(failures).toHaveLength(failure);
          expect(
            failures.every((r) =>
              r.sf__Error!.startsWith('SFETL_UNPROCESSED:record not processed after 1 attempt(s); job ended Failed'),
            ),
          ).toBe(true);
        } else {
          expect(result.events.filter((e) => e.event === 'rows-retried').map((e) => e.rows)).toEqual([700]);
        }
      } finally {
        await fetch(`${uat.controlUrl}/faults`, { method: 'PUT', body: '{}' });
      }
    },
  );

  test('--source loads the file it names instead of the configured source of that object', async () => {
    const configured = await stack.putSource(
      'runs/override/configured.csv',
      contactsWithBadRows(5, {}, '', 'OV-C-').csv,
    );
    const given = await stack.putSource('runs/override/given.csv', contactsWithBadRows(3, {}, '', 'OV-G-').csv);
    const cfg = stack.configWith('override.yaml', (c) => {
      c.objects = [{ name: 'Contact', source: configured, operation: 'insert', loadOrder: 1 }];
    });
    const result = await load(stack, ['--env', 'uat', '--object', 'Contact', '--source', given], cfg);
    expect(result.code).toBe(0);
    expect(summary(result.events).objects).toEqual([
      expect.objectContaining({ object: 'Contact', rowsRead: 3, success: 3, failure: 0 }),
    ]);
    const loaded = await stack.orgQuery<{ Ext_Id__c: string }>(
      'uat',
      "SELECT Ext_Id__c FROM Contact WHERE Ext_Id__c LIKE 'OV-%' ORDER BY Ext_Id__c",
    );
    expect(loaded.records.map((r) => r.Ext_Id__c)).toEqual(['OV-G-0000000', 'OV-G-0000001', 'OV-G-0000002']);
  });

  test.each([
    [2, 5],
    [1, 3],
  ])(
    'insert, concurrency %i, %i files of a prefix: the files share the job slots, and overlap when there are two or more',
    async (concurrency, fileCount) => {
      const prefix = `runs/files-c${concurrency}/`;
      for (let i = 0; i < fileCount; i++) {
        await stack.putSource(`${prefix}part-${i}.csv`, contactsWithBadRows(300, {}, '', `FC${concurrency}-${i}-`).csv);
      }
      const source = `s3://${stack.description.buckets.source}/${prefix}`;
      const cfg = stack.configWith(`files-c${concurrency}.yaml`, (c) => {
        c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
        // A 300-row file is one job; polls every 300 ms keep each job in flight long enough to overlap.
        c.limits = { ...c.limits, concurrency, pollIntervalMs: 300, pollMaxIntervalMs: 300 };
      });
      const result = await load(stack, ['--env', 'prod', '--confirm-env', 'prod', '--object', 'Contact'], cfg);
      expect(result.code).toBe(0);

      const jobs = jobsInFlight(result.events);
      expect(jobs.files.size).toBe(fileCount);
      expect(jobs.most).toBe(concurrency);
      expect(jobs.overlapped).toBe(concurrency > 1);

      const s = summary(result.events).objects[0];
      expect(s).toEqual(expect.objectContaining({ rowsRead: 300 * fileCount, success: 300 * fileCount, failure: 0 }));
      expect(
        (await stack.orgQuery('prod', `SELECT COUNT() FROM Contact WHERE Ext_Id__c LIKE 'FC${concurrency}-%'`))
          .totalSize,
      ).toBe(300 * fileCount);
    },
  );

  test('upsert loads the files of a prefix one after another, so the later file wins', async () => {
    const prefix = 'runs/files-upsert/';
    // Three versions of the same 300 records, one per file (key order = time order).
    for (let i = 0; i < 3; i++) {
      await stack.putSource(`${prefix}day-${i}.csv`, contactsWithBadRows(300, {}, `version ${i}`, 'FU-').csv);
    }
    const source = `s3://${stack.description.buckets.source}/${prefix}`;
    const cfg = stack.configWith('files-upsert.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'upsert', externalIdField: 'Ext_Id__c', loadOrder: 1 }];
      c.limits = { ...c.limits, concurrency: 4, maxJobRows: 100, pollIntervalMs: 300, pollMaxIntervalMs: 300 };
    });
    const result = await load(stack, ['--env', 'prod', '--confirm-env', 'prod', '--object', 'Contact'], cfg);
    expect(result.code).toBe(0);
    const jobs = jobsInFlight(result.events);
    expect(jobs.files.size).toBe(3);
    expect(jobs.most).toBe(3); // a file's own three jobs run in parallel
    expect(jobs.overlapped).toBe(false);
    const loaded = await stack.orgQuery<{ Description: string }>(
      'prod',
      "SELECT Description FROM Contact WHERE Ext_Id__c LIKE 'FU-%'",
    );
    expect(loaded.records).toHaveLength(300);
    expect(new Set(loaded.records.map((r) => r.Description))).toEqual(new Set(['version 2']));
  });

  test('a part that fails ends the object: no file starts after it, the files already started settle', async () => {
    const prefix = 'runs/fail-fast/';
    for (let i = 0; i < 4; i++) {
      await stack.putSource(`${prefix}part-${i}.csv`, contactsWithBadRows(i === 0 ? 400 : 100, {}, '', `FF-${i}-`).csv);
    }
    const source = `s3://${stack.description.buckets.source}/${prefix}`;
    const cfg = stack.configWith('fail-fast.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
      // The first file is two jobs and fills both slots; the second file waits for a slot.
      c.limits = { ...c.limits, concurrency: 2, maxJobRows: 200, pollIntervalMs: 200, pollMaxIntervalMs: 200 };
    });
    // The first file's first log conversion fails; its second one takes 2 s, so that file settles late.
    let firstFileLogs = 0;
    const writer = async () => {
      const real = await ParquetLogWriter.create();
      const convert = real.csvToParquet.bind(real);
      real.csvToParquet = async (options) => {
        if (options.output.includes(`${sep}file-0${sep}`)) {
          firstFileLogs++;
          if (firstFileLogs === 1) throw new ParquetWriteError(options.input, options.output, 'disk full (injected)');
          await sleep(2_000);
        }
        return convert(options);
      };
      return real;
    };
    const result = await loadWithWriter(
      ['--config', cfg, '--env', 'dev', '--object', 'Contact', '--run-id', 'run-fail-fast'],
      writer,
    );
    expect(result.code).toBe(1);
    expect(result.message).toContain('disk full (injected)');
    // The second file took the slot the failed job freed; no file started after the failure.
    expect(result.events.filter((e) => e.event === 'file-started').map((e) => e.source)).toEqual([
      `${source}part-0.csv`,
      `${source}part-1.csv`,
    ]);
    const count = async (idPrefix: string) =>
      (await stack.orgQuery('dev', `SELECT COUNT() FROM Contact WHERE Ext_Id__c LIKE '${idPrefix}%'`)).totalSize;
    expect([await count('FF-0-'), await count('FF-1-'), await count('FF-2-'), await count('FF-3-')]).toEqual([
      400, 100, 0, 0,
    ]);
  });

  test('the run ends with a RunFailureRate metric line as the failure-rate alarms read it', async () => {
    const source = await stack.putSource(
      'runs/metric/contacts.csv',
      contactsWithBadRows(200, { INVALID_EMAIL_ADDRESS: 5 }, '', 'RM-').csv,
    );
    const cfg = stack.configWith('metric.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    });
    const result = await load(stack, ['--env', 'uat', '--run-id', 'metric-1'], cfg);
    expect(result.code).toBe(0);
    // src/infra/monitoring.ts alarms on RunFailureRate in METRICS_NAMESPACE with the one dimension env.
    const runMetrics = result.events.filter((e) => e._aws && 'RunFailureRate' in e);
    expect(runMetrics).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [['env']],
              Metrics: [
                { Name: 'RunRecordsRead', Unit: 'Count' },
                { Name: 'RunFailureRate', Unit: 'Percent' },
                { Name: 'RunDurationSeconds', Unit: 'Seconds' },
              ],
            },
          ],
        },
        env: 'uat',
        RunRecordsRead: 200,
        RunFailureRate: 2.5,
        RunDurationSeconds: expect.any(Number),
      },
    ]);
  });

  test('an operation the org does not allow on the object exits 1 before any job exists', async () => {
    // The stack's orgs allow every operation on every object: this org has a read-only one.
    const emulator = await OrgEmulator.start({
      orgs: ['readonly'],
      objectDirs: [join(__dirname, '../../packages/emulator/test/fixtures/objects-read-only')],
    });
    try {
      const org = emulator.orgs.readonly!;
      await stack.aws.secrets.send(
        new CreateSecretCommand({
          Name: 'sfetl/readonly',
          SecretString: JSON.stringify({ clientId: org.clientId, clientSecret: org.clientSecret }),
        }),
      );
      const source = await stack.putSource('runs/readonly/audit.csv', 'Name,Detail__c\nA-1,first\n');
      const cfg = stack.configWith('readonly.yaml', (c) => {
        c.environments.dev = {
          ...c.environments.dev,
          instanceUrl: org.instanceUrl,
          // dev is now this org: the stack pins dev's own org id, which its credentials no longer lead to.
          orgId: org.orgId,
          loginUrl: org.loginUrl,
          auth: { type: 'client_credentials', secretId: 'sfetl/readonly' },
        };
        c.objects = [{ name: 'Audit_Entry__c', source, operation: 'insert', loadOrder: 1 }];
      });
      const result = await load(stack, ['--env', 'dev'], cfg);
      expect(result.code).toBe(1);
      expect(result.err.text).toContain(`preflight of Audit_Entry__c (${source}) failed, no job was created`);
      expect(result.err.text).toMatch(
        /the org does not allow insert on Audit_Entry__c for this user; choose another operation/,
      );
      const jobs = await orgGet<{ records: unknown[] }>(org, '/services/data/v66.0/jobs/ingest');
      expect(jobs.records).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });

  describe('update, delete and hardDelete change the records the Ids name', () => {
    const ids = new Map<string, string>();
    /** Loads a file into dev with one operation on Account; the summary. */
    async function loadAccounts(operation: string, name: string, csv: string) {
      const source = await stack.putSource(`runs/crud/${name}.csv`, csv);
      const cfg = stack.configWith(`crud-${name}.yaml`, (c) => {
        c.objects = [{ name: 'Account', source, operation, loadOrder: 1 }];
      });
      const result = await load(stack, ['--env', 'dev', '--run-id', `crud-${name}`], cfg);
      expect(result.err.text).toBe('');
      expect(result.code).toBe(0);
      return result;
    }
    const accounts = async (path: 'query' | 'queryAll') =>
      (
        await orgGet<{ records: { Ext_Id__c: string; Name: string; IsDeleted: boolean }[] }>(
          stack.description.orgs.dev!,
          `/services/data/v66.0/${path}?q=${encodeURIComponent(
            "SELECT Ext_Id__c, Name, IsDeleted FROM Account WHERE Ext_Id__c LIKE 'CRUD-%' ORDER BY Ext_Id__c",
          )}`,
        )
      ).records.map((r) => [r.Ext_Id__c, r.Name, r.IsDeleted]);

    beforeAll(async () => {
      const rows = [1, 2, 3, 4, 5, 6].map((n) => `CRUD-${n},Company ${n}`);
      await loadAccounts('insert', 'insert', `Ext_Id__c,Name\n${rows.join('\n')}\n`);
      const org = await stack.orgQuery<{ Id: string; Ext_Id__c: string }>(
        'dev',
        "SELECT Id, Ext_Id__c FROM Account WHERE Ext_Id__c LIKE 'CRUD-%'",
      );
      for (const r of org.records) ids.set(r.Ext_Id__c, r.Id);
      expect(ids.size).toBe(6);
    });

    test('update', async () => {
      const result = await loadAccounts(
        'update',
        'update',
        `Id,Name\n${ids.get('CRUD-1')},Renamed 1\n${ids.get('CRUD-2')},Renamed 2\n`,
      );
      expect(summary(result.events).objects[0]).toMatchObject({ rowsRead: 2, success: 2, failure: 0 });
      expect((await stack.readParquet(logOf(result.events, 'success'))).map((r) => r.sf__Created)).toEqual([
        'false',
        'false',
      ]);
      expect((await accounts('query')).slice(0, 3)).toEqual([
        ['CRUD-1', 'Renamed 1', false],
        ['CRUD-2', 'Renamed 2', false],
        ['CRUD-3', 'Company 3', false],
      ]);
    });

    test('delete: the records go to the recycle bin', async () => {
      const result = await loadAccounts('delete', 'delete', `Id\n${ids.get('CRUD-3')}\n${ids.get('CRUD-4')}\n`);
      expect(summary(result.events).objects[0]).toMatchObject({ rowsRead: 2, success: 2, failure: 0 });
      expect((await accounts('query')).map(([ext]) => ext)).not.toEqual(expect.arrayContaining(['CRUD-3']));
      expect((await accounts('queryAll')).filter(([, , deleted]) => deleted)).toEqual([
        ['CRUD-3', 'Company 3', true],
        ['CRUD-4', 'Company 4', true],
      ]);
    });

    test('hardDelete: the records are gone, not in the recycle bin', async () => {
      const result = await loadAccounts(
        'hardDelete',
        'hard-delete',
        `Id\n${ids.get('CRUD-5')}\n${ids.get('CRUD-6')}\n`,
      );
      expect(summary(result.events).objects[0]).toMatchObject({ rowsRead: 2, success: 2, failure: 0 });
      expect((await accounts('queryAll')).map(([ext]) => ext)).toEqual(['CRUD-1', 'CRUD-2', 'CRUD-3', 'CRUD-4']);
      expect((await accounts('query')).map(([ext]) => ext)).toEqual(['CRUD-1', 'CRUD-2']);
    });
  });
});
