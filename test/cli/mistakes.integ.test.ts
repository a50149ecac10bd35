import { GetPartitionsCommand } from '@aws-sdk/client-glue';
import { loadProcess } from '../support/load-process';
import { sfetlInProcess, TestStack } from '../support/stack';

jest.setTimeout(600_000);

/**
 * Issue 15: the mistakes people really make (a stray quote, a huge bad row, --force after an interrupt, a
 * corrected file at the same key), end to end against the embedded default.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await TestStack.start();
});
afterAll(async () => {
  await stack?.stop();
});

function config(name: string, source: string, limits: Record<string, unknown> = {}): string {
  return stack.configWith(`${name}.yaml`, (c) => {
    c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    c.limits = { ...c.limits, maxJobRows: 5_000, pollIntervalMs: 20, pollMaxIntervalMs: 200, ...limits };
  });
}

async function load(args: readonly string[]) {
  return sfetlInProcess(['load', '--output', 'json', ...args]);
}

/** Contacts with the prefix in the org: external id → record id. */
async function orgContacts(env: string, prefix: string): Promise<Map<string, string[]>> {
  const org = await stack.orgQuery<{ Id: string; Ext_Id__c: string }>(
    env,
    `SELECT Id, Ext_Id__c FROM Contact WHERE Ext_Id__c LIKE '${prefix}%'`,
  );
  const out = new Map<string, string[]>();
  for (const r of org.records) out.set(r.Ext_Id__c, [...(out.get(r.Ext_Id__c) ?? []), r.Id]);
  return out;
}

/** Every log row of Contact in one env and run. */
async function logRows(env: string, runId: string, status: 'success' | 'failure') {
  return stack.readParquet(`s3://sfetl-logs/${status}/Contact/run_id=${runId}/env=${env}/`);
}

function contacts(prefix: string, rows: number, stray?: number): string {
  const lines = ['Ext_Id__c,LastName,Email'];
  for (let line = 2; line <= rows + 1; line++) {
    const name = line === stray ? `"O'Brien` : `Name${line}`;
    lines.push(`${prefix}${line},${name},p${line}@example.com`);
  }
  return `${lines.join('\n')}\n`;
}

describe('a stray quote', () => {
  test('the lines after it are failure rows, the run exits 2 saying where the quote opened; the corrected file, loaded with --skip-loaded-rows, loads exactly the rest', async () => {
    const prefix = 'SQ-';
    const rows = 20_000;
    const source = await stack.putSource('mistakes/stray.csv', contacts(prefix, rows, 2002));
    const cfg = config('stray', source);

    const first = await load(['--config', cfg, '--env', 'dev', '--run-id', 'stray-1']);
    expect(first.code).toBe(2);
    const message = first.err.trim();
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(
      `${source}: a quote opened on line 2002 in column 2 "LastName" is not closed within Salesforce's 400,000 characters per record, so the file cannot be read from there: lines 2002–20001 (18,000 lines) were not loaded and are failure rows (SFETL_MALFORMED_FILE); fix the quote, then load the corrected file with --skip-loaded-rows`,
    );
    // The failure rate sees the unloaded lines: 18,000 of 20,000.
    expect(message).toContain('loaded, but 90.00% of the rows failed');
    expect((await orgContacts('dev', prefix)).size).toBe(2_000);
    const failures = await logRows('dev', 'stray-1', 'failure');
    expect(failures).toHaveLength(18_000);
    expect(new Set(failures.map((f) => f.sf__Error!.split(':')[0]))).toEqual(new Set(['SFETL_MALFORMED_FILE']));
    expect(failures.map((f) => f.Ext_Id__c!.split(',')[0]).sort()).toEqual(
      Array.from({ length: 18_000 }, (_, i) => `${prefix}${2002 + i}`).sort(),
    );
    const firstIds = new Map(
      (await logRows('dev', 'stray-1', 'success')).map((r) => [r.Ext_Id__c!, r.sf__Id!] as const),
    );
    expect(firstIds.size).toBe(2_000);

    // The file is fixed in place: a plain rerun refuses it, naming the earlier run, and sends nothing.
    await stack.putSource('mistakes/stray.csv', contacts(prefix, rows));
    const jobsBefore = await stack.jobCount('dev');
    const refused = await load(['--config', cfg, '--env', 'dev', '--run-id', 'stray-2']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      `sfetl load: ${source} changed since run stray-1 loaded 2,000 rows of its earlier version (ETag `,
    );
    expect(refused.err).toContain('rerun with --skip-loaded-rows');
    expect(await stack.jobCount('dev')).toBe(jobsBefore);

    const fixed = await load(['--config', cfg, '--env', 'dev', '--run-id', 'stray-3', '--skip-loaded-rows']);
    expect(fixed.err).toBe('');
    expect(fixed.code).toBe(0);
    const org = await orgContacts('dev', prefix);
    expect(org.size).toBe(rows);
    expect([...org.values()].every((ids) => ids.length === 1)).toBe(true);
    const success = await logRows('dev', 'stray-3', 'success');
    expect(success).toHaveLength(rows);
    const skipped = success.filter((r) => firstIds.has(r.Ext_Id__c!));
    expect(skipped).toHaveLength(2_000);
    // Each skipped row carries the record id the earlier run created for it, and is marked not created.
    expect(skipped.every((r) => r.sf__Id === firstIds.get(r.Ext_Id__c!) && r.sf__Created === 'false')).toBe(true);
    expect(await logRows('dev', 'stray-3', 'failure')).toHaveLength(0);
    expect(fixed.json.find((e) => e.event === 'summary')).toMatchObject({
      objects: [expect.objectContaining({ rowsRead: rows, success: rows, failure: 0, alreadyLoaded: 2_000 })],
    });
  });

  test('identical rows count as a multiset: of three equal rows, two loaded before, one is loaded', async () => {
    const header = 'LastName,Email,Description\n';
    const twin = 'Twin,twin@multiset.example,multiset\n';
    const source = await stack.putSource(
      'mistakes/twins.csv',
      `${header}${twin}${twin}Solo,solo@multiset.example,multiset\n`,
    );
    const cfg = config('twins', source);
    expect((await load(['--config', cfg, '--env', 'qa', '--run-id', 'twins-1'])).code).toBe(0);
    await stack.putSource(
      'mistakes/twins.csv',
      `${header}${twin}${twin}Solo,solo@multiset.example,multiset\n${twin}New,new@multiset.example,multiset\n`,
    );
    const again = await load(['--config', cfg, '--env', 'qa', '--run-id', 'twins-2', '--skip-loaded-rows']);
    expect(again.code).toBe(0);
    const org = await stack.orgQuery<{ LastName: string }>(
      'qa',
      "SELECT LastName FROM Contact WHERE Email LIKE '%@multiset.example'",
    );
    expect(org.records.map((r) => r.LastName).sort()).toEqual(['New', 'Solo', 'Twin', 'Twin', 'Twin']);
    const success = await logRows('qa', 'twins-2', 'success');
    expect(
      success
        .filter((r) => r.sf__Created === 'true')
        .map((r) => r.LastName)
        .sort(),
    ).toEqual(['New', 'Twin']);
  });
});

describe('a nightly feed at a fixed key', () => {
  test("objects[].onChangedFile: skip-loaded-rows loads each night's new rows without a flag; an unchanged file is still skipped", async () => {
    const header = 'LastName,Email,Description\n';
    const night = (n: number) =>
      Array.from({ length: n }, (_, i) => `Feed${i},feed${i}@nightly.example,nightly\n`).join('');
    const source = await stack.putSource('mistakes/nightly.csv', header + night(30));
    const cfg = stack.configWith('nightly.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1, onChangedFile: 'skip-loaded-rows' }];
    });
    expect((await load(['--config', cfg, '--env', 'uat', '--run-id', 'night-1'])).code).toBe(0);
    await stack.putSource('mistakes/nightly.csv', header + night(45));
    const second = await load(['--config', cfg, '--env', 'uat', '--run-id', 'night-2']);
    expect(second.err).toBe('');
    expect(second.code).toBe(0);
    expect(second.json.find((e) => e.event === 'summary')).toMatchObject({
      objects: [expect.objectContaining({ rowsRead: 45, alreadyLoaded: 30 })],
    });
    const third = await load(['--config', cfg, '--env', 'uat', '--run-id', 'night-3']);
    expect(third.json.filter((e) => e.event === 'file-skipped')).toHaveLength(1);
    const org = await stack.orgQuery<{ LastName: string }>(
      'uat',
      "SELECT LastName FROM Contact WHERE Email LIKE '%@nightly.example'",
    );
    expect(org.records).toHaveLength(45);
  });
});

describe('files that are not CSV files in the source folder', () => {
  test('a .csv.gz and a .txt beside a CSV: the CSV loads, a warning names what was not loaded and why', async () => {
    const prefix = 'NC-';
    const source = await stack.putSource('mistakes/mixed/contacts.csv', contacts(prefix, 5));
    await stack.putSource('mistakes/mixed/contacts-2.csv.gz', 'not really gzip');
    await stack.putSource('mistakes/mixed/readme.txt', 'read me');
    const folder = source.replace(/contacts\.csv$/, '');
    const result = await sfetlInProcess([
      'load',
      '--output',
      'text',
      '--config',
      config('mixed', folder),
      '--env',
      'dev',
      '--run-id',
      'mixed-1',
    ]);
    expect(result.code).toBe(0);
    expect(result.err).toContain(
      `${folder}: 2 objects are not loaded because the name does not end in .csv: ${folder}contacts-2.csv.gz, ${folder}readme.txt; sfetl loads uncompressed CSV files named *.csv`,
    );
    expect((await orgContacts('dev', prefix)).size).toBe(5);
  });
});

describe('a rejected row of any size', () => {
  test('2 MB of invalid bytes: logged cut, with a marker; the file completes and its partitions are registered', async () => {
    const prefix = 'HR-';
    const good = Array.from({ length: 100 }, (_, i) => `${prefix}${i},Name${i},h${i}@example.com`).join('\n');
    const body = Buffer.concat([
      Buffer.from(`Ext_Id__c,LastName,Email\n${good}\n${prefix}bad,`),
      Buffer.alloc(2_000_000, 0xff),
      Buffer.from(',x@example.com\n'),
    ]);
    const source = await stack.putSource('mistakes/huge-row.csv', body);
    const cfg = config('huge', source);
    const result = await load(['--config', cfg, '--env', 'uat', '--run-id', 'huge-1']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const [failure] = await logRows('uat', 'huge-1', 'failure');
    expect(failure!.sf__Error).toMatch(/^SFETL_ROW_TOO_LONG:/);
    expect(failure!.Ext_Id__c).toMatch(/ …\[sfetl: truncated to its first 400,000 characters\]$/);
    expect((await orgContacts('uat', prefix)).size).toBe(100);
    const partitions = await stack.aws.glue.send(
      new GetPartitionsCommand({ DatabaseName: 'sfetl_logs', TableName: 'contact', Expression: "run_id = 'huge-1'" }),
    );
    expect((partitions.Partitions ?? []).map((p) => p.Values![0]).sort()).toEqual(['failure', 'success']);
    // Done: a rerun skips it.
    const again = await load(['--config', cfg, '--env', 'uat', '--run-id', 'huge-2']);
    expect(again.code).toBe(0);
    expect(again.json.filter((e) => e.event === 'file-skipped')).toHaveLength(1);
  });
});

describe('--force after an interrupt', () => {
  test('the unfinished load is resumed, not restarted: every row once in the org and once in the logs', async () => {
    const prefix = 'FI-';
    const rows = 6_000;
    const source = await stack.putSource('mistakes/force.csv', contacts(prefix, rows));
    const cfg = config('force', source, { maxJobRows: 500, concurrency: 2 });
    let finished = 0;
    const first = await loadProcess(
      ['--config', cfg, '--env', 'prod', '--confirm-env', 'prod', '--run-id', 'force-1'],
      (e) => e.event === 'job-finished' && ++finished === 3,
      'SIGINT',
    );
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('run stopped: received SIGINT');
    const forced = await loadProcess([
      '--config',
      cfg,
      '--env',
      'prod',
      '--confirm-env',
      'prod',
      '--run-id',
      'force-2',
      '--force',
    ]);
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(forced.events.filter((e) => e.event === 'file-resumed')).toEqual([
      expect.objectContaining({ runId: 'force-1' }),
    ]);
    const org = await orgContacts('prod', prefix);
    expect(org.size).toBe(rows);
    expect([...org.values()].every((ids) => ids.length === 1)).toBe(true);
    // Resumed loads write into the first run's log directories: each row there once.
    const logged = [...(await logRows('prod', 'force-1', 'success')), ...(await logRows('prod', 'force-1', 'failure'))];
    expect(logged).toHaveLength(rows);
    expect(new Set(logged.map((r) => r.Ext_Id__c)).size).toBe(rows);
    expect(await logRows('prod', 'force-2', 'success')).toHaveLength(0);
    const partitions = await stack.aws.glue.send(
      new GetPartitionsCommand({ DatabaseName: 'sfetl_logs', TableName: 'contact', Expression: "run_id = 'force-1'" }),
    );
    expect((partitions.Partitions ?? []).map((p) => p.Values![0])).toEqual(['success']);
  });
});
