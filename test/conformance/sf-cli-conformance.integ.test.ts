import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConformanceReport } from '../support/conformance-report';
import { ConformanceTarget } from '../support/conformance-target';
import { SfCli, SfResult } from '../support/sf-cli';

/**
 * Salesforce's own CLI (@salesforce/cli, installed by `npm run setup:sf-cli`) as a client nobody on the team
 * wrote, against the org emulator over HTTP (issue 16). `npm run test:conformance` runs the same checks
 * against a real org named by SFETL_CONFORMANCE_* variables (test/support/conformance-target.ts): there
 * every record it makes carries a unique marker and is deleted afterwards, and the checks the org answered
 * differently from the emulator are printed and written to .sfetl/conformance-report.json.
 *
 * Each check compares what the CLI shows a user (exit status, counts, error codes, rows) with what the
 * emulator answers, which docs/emulator.md sources.
 */

const REPORT = resolve(__dirname, '../../.sfetl/conformance-report.json');

/** The error code of each sf__Error text in a failedResults CSV, sorted. */
function errorCodes(csv: string): string[] {
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  return rows.map((r) => r.sf__Error!.split(':')[0]!).sort();
}

/** The sf__Created flag of each row of a successfulResults CSV, sorted. */
function createdFlags(csv: string): string[] {
  return (parse(csv, { columns: true }) as Record<string, string>[]).map((r) => r.sf__Created!).sort();
}

describe("Salesforce's CLI against the org emulator (conformance)", () => {
  let target: ConformanceTarget;
  let report: ConformanceReport;
  let sf: SfCli;
  let work: string;
  /** The Account ids the import made, by name. */
  const accounts = new Map<string, string>();
  let contactImportJob = '';

  const alias = 'conformance';
  const file = (name: string, text: string) => {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  };
  const run = async (args: string[], env?: Record<string, string>): Promise<SfResult> => {
    const result = await sf.run([...args, ...(args[0] === 'org' ? [] : ['--target-org', alias])], work, env);
    if (result.json.status !== 0) report.commandFailed(`sf ${args.slice(0, 3).join(' ')}`, String(result.json.message));
    return result;
  };

  beforeAll(async () => {
    target = await ConformanceTarget.fromEnvironment();
    report = new ConformanceReport({ target: target.kind, file: REPORT });
    work = mkdtempSync(join(tmpdir(), 'sfetl-sf-cli-'));
    sf = new SfCli({ home: join(work, 'home') });
  });

  afterAll(async () => {
    report?.finish();
    await target?.cleanUp();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // sfdx-core's AuthInfo: `GET /services/oauth2/userinfo`, then `GET …/sobjects/User/<user_id>` for Username.
  test("sf org login access-token: the CLI finds the token's user through userinfo and the User record", async () => {
    const login = await run(
      ['org', 'login', 'access-token', '--instance-url', target.instanceUrl, '--no-prompt', '--alias', alias],
      { SF_ACCESS_TOKEN: target.accessToken },
    );
    const user = await target.userInfo();
    report.check(
      'org login access-token',
      { status: login.json.status, username: login.json.result?.username === user.preferred_username },
      { status: 0, username: true },
    );
  });

  // sfdx-core's AuthInfo: the JWT bearer grant, then `SELECT … FROM Organization` (determineOrg).
  test('sf org login jwt: the JWT bearer grant and the Organization query', async () => {
    if (!target.jwt) {
      report.skip('org login jwt', { status: 0 }, 'set SFETL_CONFORMANCE_CLIENT_ID, _USERNAME and _JWT_KEY_FILE');
      return;
    }
    const login = await run([
      'org',
      'login',
      'jwt',
      '--username',
      target.jwt.username,
      '--jwt-key-file',
      target.jwt.keyFile,
      '--client-id',
      target.jwt.clientId,
      '--instance-url',
      target.jwt.loginUrl,
      // The same user as the access-token login: its alias moves to this login (an alias names one login).
      '--alias',
      alias,
    ]);
    const display = await sf.run(['org', 'display', '--target-org', alias], work);
    report.check(
      'org login jwt',
      {
        status: login.json.status,
        username: login.json.result?.username,
        orgIdMatches: display.json.result?.id === (await target.userInfo()).organization_id,
      },
      { status: 0, username: target.jwt.username, orgIdMatches: true },
    );
  });

  test('sf data import bulk: accounts, then contacts with bad rows (a missing LastName, a bad email)', async () => {
    const m = target.marker;
    const accountsJob = await run([
      'data',
      'import',
      'bulk',
      '--file',
      file('accounts.csv', `Name\n${m} Acme\n${m} Globex\n`),
      '--sobject',
      'Account',
      '--wait',
      '5',
    ]);
    report.check(
      'data import bulk (accounts)',
      { status: accountsJob.json.status, processed: accountsJob.json.result?.processedRecords },
      { status: 0, processed: 2 },
    );
    const found = await run(['data', 'query', '--query', `SELECT Id, Name FROM Account WHERE Name LIKE '${m}%'`]);
    for (const r of (found.json.result?.records ?? []) as { Id: string; Name: string }[]) accounts.set(r.Name, r.Id);
    const acme = accounts.get(`${m} Acme`) ?? '';
    const contacts = await run([
      'data',
      'import',
      'bulk',
      '--file',
      file(
        'contacts.csv',
        'LastName,FirstName,Email,AccountId\n' +
          `${m} Smith,Ann,ann@example.com,${acme}\n` +
          `${m} Jones,Bob,bob@example.com,\n` +
          `,Nameless,nameless@example.com,\n` +
          `${m} Bad,Carl,not-an-email,${acme}\n`,
      ),
      '--sobject',
      'Contact',
      '--wait',
      '5',
    ]);
    contactImportJob = contacts.json.data?.jobId ?? contacts.json.result?.jobId ?? '';
    report.check(
      'data import bulk (contacts with 2 bad rows)',
      {
        status: contacts.json.status,
        code: contacts.code,
        name: contacts.json.name,
        jobState: contacts.json.data?.state,
      },
      { status: 1, code: 1, name: 'FailedRecordDetailsError', jobState: 'JobComplete' },
    );
  });

  test('sf data bulk results: counts and the failed rows with their error codes', async () => {
    const results = await run(['data', 'bulk', 'results', '--job-id', contactImportJob]);
    const r = results.json.result ?? {};
    report.check(
      'data bulk results',
      {
        status: results.json.status,
        state: r.status,
        operation: r.operation,
        object: r.object,
        processed: r.processedRecords,
        successful: r.successfulRecords,
        failed: r.failedRecords,
        errorCodes: r.failedFilePath ? errorCodes(readFileSync(resolve(work, r.failedFilePath), 'utf8')) : [],
      },
      {
        status: 0,
        state: 'JobComplete',
        operation: 'insert',
        object: 'Contact',
        processed: 4,
        successful: 2,
        failed: 2,
        errorCodes: ['INVALID_EMAIL_ADDRESS', 'REQUIRED_FIELD_MISSING'],
      },
    );
  });

  // The REST query resource, then `…/query?q=…&columns=true` for the columns (plugin-data's retrieveColumns).
  test('sf data query: COUNT(), a WHERE and a relationship field', async () => {
    const m = target.marker;
    const count = await run(['data', 'query', '--query', `SELECT COUNT() FROM Contact WHERE LastName LIKE '${m}%'`]);
    report.check(
      'data query COUNT()',
      { status: count.json.status, totalSize: count.json.result?.totalSize },
      { status: 0, totalSize: 2 },
    );
    const rows = await run([
      'data',
      'query',
      '--query',
      `SELECT LastName, Account.Name FROM Contact WHERE LastName LIKE '${m}%' AND FirstName = 'Ann'`,
    ]);
    report.check(
      'data query WHERE with Account.Name',
      {
        status: rows.json.status,
        rows: ((rows.json.result?.records ?? []) as Record<string, any>[]).map((r) => [r.LastName, r.Account?.Name]),
      },
      { status: 0, rows: [[`${m} Smith`, `${m} Acme`]] },
    );
  });

  test('sf data upsert bulk: new keys insert, a known key updates, a key twice in the file fails both rows', async () => {
    const field = target.externalIdField;
    const m = target.marker;
    if (!field) {
      report.skip('data upsert bulk', {}, 'set SFETL_CONFORMANCE_EXTERNAL_ID_FIELD to a Contact External ID field');
      return;
    }
    const csv = (rows: string[]) => `${field},LastName\n${rows.join('\n')}\n`;
    const first = await run([
      'data',
      'upsert',
      'bulk',
      '--file',
      file('up1.csv', csv([`${m}-1,${m}Up1`])),
      '--sobject',
      'Contact',
      '--external-id',
      field,
      '--wait',
      '5',
    ]);
    const second = await run([
      'data',
      'upsert',
      'bulk',
      '--file',
      file('up2.csv', csv([`${m}-1,${m}Up1 again`, `${m}-2,${m}Up2`, `${m}-3,${m}Dup A`, `${m}-3,${m}Dup B`])),
      '--sobject',
      'Contact',
      '--external-id',
      field,
      '--wait',
      '5',
    ]);
    const results = await run([
      'data',
      'bulk',
      'results',
      '--job-id',
      second.json.data?.jobId ?? second.json.result?.jobId ?? '',
    ]);
    const r = results.json.result ?? {};
    report.check(
      'data upsert bulk (a key twice in one job)',
      {
        first: first.json.status,
        processed: r.processedRecords,
        failed: r.failedRecords,
        errorCodes: r.failedFilePath ? errorCodes(readFileSync(resolve(work, r.failedFilePath), 'utf8')) : [],
        created: r.successFilePath ? createdFlags(readFileSync(resolve(work, r.successFilePath), 'utf8')) : [],
      },
      {
        first: 0,
        processed: 4,
        failed: 2,
        errorCodes: ['DUPLICATE_VALUE', 'DUPLICATE_VALUE'],
        // The known key updates its record, the new one inserts.
        created: ['false', 'true'],
      },
    );
  });

  // Bulk API 2.0 query jobs: create, poll, results with Sforce-Locator (plugin-data's exportRecords).
  test('sf data export bulk: a query job with a relationship field, written as CSV', async () => {
    const m = target.marker;
    const out = join(work, 'export.csv');
    const exported = await run([
      'data',
      'export',
      'bulk',
      '--query',
      `SELECT LastName, Account.Name FROM Contact WHERE LastName LIKE '${m} %' ORDER BY LastName`,
      '--output-file',
      out,
      '--wait',
      '5',
    ]);
    const rows =
      exported.json.status === 0
        ? (parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[])
        : [];
    report.check(
      'data export bulk',
      {
        status: exported.json.status,
        totalSize: exported.json.result?.totalSize,
        rows: rows.map((r) => [r.LastName, r['Account.Name']]),
      },
      {
        status: 0,
        totalSize: 2,
        rows: [
          [`${m} Jones`, ''],
          [`${m} Smith`, `${m} Acme`],
        ],
      },
    );
  });

  test('sf data delete bulk: every record the suite made is deleted', async () => {
    const m = target.marker;
    const contacts = await run(['data', 'query', '--query', `SELECT Id FROM Contact WHERE LastName LIKE '${m}%'`]);
    const ids = ((contacts.json.result?.records ?? []) as { Id: string }[]).map((r) => r.Id);
    const deleted = await run([
      'data',
      'delete',
      'bulk',
      '--file',
      file('delete.csv', `Id\n${ids.join('\n')}\n`),
      '--sobject',
      'Contact',
      '--wait',
      '5',
    ]);
    const left = await run(['data', 'query', '--query', `SELECT COUNT() FROM Contact WHERE LastName LIKE '${m}%'`]);
    report.check(
      'data delete bulk',
      {
        status: deleted.json.status,
        state: deleted.json.result?.jobInfo?.state,
        processed: deleted.json.result?.jobInfo?.numberRecordsProcessed,
        failed: deleted.json.result?.jobInfo?.numberRecordsFailed,
        left: left.json.result?.totalSize,
      },
      { status: 0, state: 'JobComplete', processed: ids.length, failed: 0, left: 0 },
    );
    expect(ids.length).toBeGreaterThan(0);
  });
});
