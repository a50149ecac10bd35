import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessToken, api, bulkInsert, query, token } from '../../packages/emulator/test/support/emulator-client';
import {
  answers,
  freePort,
  killRunningEmulators,
  lines,
  REPO_ROOT,
  runToExit,
  startEmulator,
} from '../support/emulator-process';

const CONFIG_DIR = join(REPO_ROOT, 'packages', 'emulator', 'test', 'fixtures', 'config');

// A test that fails half-way must not leave an emulator behind.
afterEach(killRunningEmulators);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('sfetl emulator', () => {
  test('four orgs on distinct ports, each handing out tokens for its own client only; SIGTERM stops it cleanly', async () => {
    const emulator = startEmulator(['--orgs', 'dev,qa,uat,prod']);
    const orgs = await emulator.ready();

    expect(Object.keys(orgs)).toEqual(['dev', 'qa', 'uat', 'prod']);
    for (const org of Object.values(orgs)) {
      expect(org).toEqual(
        expect.objectContaining({
          instanceUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
          loginUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
          clientId: expect.stringMatching(/.+/),
          clientSecret: expect.stringMatching(/.+/),
        }),
      );
    }
    const ports = Object.values(orgs).map((org) => new URL(org.instanceUrl).port);
    expect(new Set(ports).size).toBe(4);
    for (const org of Object.values(orgs)) {
      const { status, body } = await token(org);
      expect(status).toBe(200);
      expect(body).toEqual(
        expect.objectContaining({ access_token: expect.stringMatching(/.+/), instance_url: org.instanceUrl }),
      );
    }
    const devClientOnProd = await token(orgs.prod!, orgs.dev!.clientId, orgs.dev!.clientSecret);
    expect(devClientOnProd).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_client_id' }) });

    const exit = await emulator.stop();

    expect(exit).toEqual(expect.objectContaining({ code: 0, signal: null }));
    expect(lines(emulator.stdout)).toHaveLength(1);
    for (const org of Object.values(orgs)) expect(await answers(org.instanceUrl)).toBe(false);
  });

  test.each([
    { args: ['--orgs', ''], says: '--orgs needs at least one org name' },
    { args: ['--orgs', 'dev', '--bogus'], says: "Unknown option '--bogus'" },
  ])('$args is refused: exit 1, one line on stderr saying what to do', async ({ args, says }) => {
    const result = await runToExit(args);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([expect.stringContaining(says)]);
    expect(result.stderr).toContain('run "sfetl emulator --help"');
  });

  test.each([
    { args: ['--orgs', 'dev,dev'], says: 'org "dev" is configured twice; name each org once' },
    { args: ['--orgs', 'my org'], says: 'org name "my org" may only use letters, digits' },
    {
      args: ['--data-dir', join(CONFIG_DIR, 'ports-and-faults.yaml')],
      says: "as the emulator's data directory (it is a file)",
    },
    {
      args: [
        '--tls-cert',
        join(REPO_ROOT, 'packages/emulator/test/fixtures/tls/localhost.pem'),
        '--tls-key',
        join(REPO_ROOT, 'packages/emulator/test/fixtures/jwt/other-key.pem'),
      ],
      says: 'the TLS certificate and key cannot be used together',
    },
  ])('a start-up problem ($says) exits 1 with one line, no stack trace', async ({ args, says }) => {
    const result = await runToExit(args);

    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringContaining(says)]);
  });

  test('a port already in use exits 1 naming the port', async () => {
    const first = startEmulator(['--orgs', 'dev']);
    const orgs = await first.ready();
    const port = new URL(orgs.dev!.instanceUrl).port;
    const result = await runToExit(['--orgs', 'dev', '--port', port]);

    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringContaining(`port ${port} on 127.0.0.1 is already in use`)]);
  });

  test('--config (YAML) sets the ports, the credentials and the faults of each org', async () => {
    // The fixture's fixed ports lie in Linux's ephemeral range, where any client socket may hold them:
    // the file is used with two ports that are free right now instead.
    const [devPort, qaPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'sfetl-emulator-config-'));
    const config = join(dir, 'ports-and-faults.yaml');
    writeFileSync(
      config,
      readFileSync(join(CONFIG_DIR, 'ports-and-faults.yaml'), 'utf8')
        .replace('port: 48431', `port: ${devPort}`)
        .replace('port: 48432', `port: ${qaPort}`),
    );
    const emulator = startEmulator(['--config', config]);
    const orgs = await emulator.ready();

    expect(Object.keys(orgs)).toEqual(['dev', 'qa']);
    expect(orgs.dev).toEqual(
      expect.objectContaining({
        instanceUrl: `http://127.0.0.1:${devPort}`,
        clientId: 'sfetl-test-dev-client',
        clientSecret: 'sfetl-test-dev-secret',
      }),
    );
    expect(orgs.qa!.instanceUrl).toBe(`http://127.0.0.1:${qaPort}`);
    const onDev = await api(orgs.dev!, await accessToken(orgs.dev!), '/limits');
    const onQa = await api(orgs.qa!, await accessToken(orgs.qa!), '/limits');
    expect(onDev.status).toBe(200);
    expect([500, 503]).toContain(onQa.status);
    expect(onQa.body).toEqual([
      expect.objectContaining({ errorCode: expect.stringMatching(/^(UNKNOWN_EXCEPTION|SERVER_UNAVAILABLE)$/) }),
    ]);
    expect(await (await fetch(`${orgs.qa!.controlUrl}/faults`)).json()).toEqual({ http5xxRate: 1 });

    expect((await emulator.stop()).code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    { file: 'unknown-org-setting.yaml', names: 'orgs.dev.prot is not a setting' },
    { file: 'bad-fault-rate.yaml', names: 'orgs.dev.faults: http5xxRate must be a number between 0 and 1' },
    { file: 'unknown-top-level-key.yaml', names: 'unknown key "org"' },
  ])('--config $file is refused, naming the key', async ({ file, names }) => {
    const path = join(CONFIG_DIR, file);

    const result = await runToExit(['--config', path]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^sfetl emulator: ${escapeRegExp(path)}: `)),
    ]);
    expect(result.stderr).toContain(names);
    expect(result.stderr).toContain('fix the emulator configuration file');
  });

  describe('--data-dir', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'sfetl-emulator-data-'));
    });
    afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

    test('records, jobs and credentials survive a restart', async () => {
      const first = startEmulator(['--orgs', 'dev', '--data-dir', dataDir]);
      const before = (await first.ready()).dev!;
      const bearer = await accessToken(before);
      const jobId = await bulkInsert(
        before,
        bearer,
        'Contact',
        'LastName,Email,Ext_Id__c\nLovelace,ada@example.com,C-1\nHopper,grace@example.com,C-2\n',
      );
      const inserted = await query(
        before,
        bearer,
        'SELECT Id, LastName, Email, Ext_Id__c FROM Contact ORDER BY Ext_Id__c',
      );
      expect(inserted.totalSize).toBe(2);
      expect((await first.stop()).code).toBe(0);

      const second = startEmulator(['--orgs', 'dev', '--data-dir', dataDir]);
      const after = (await second.ready()).dev!;

      expect({ clientId: after.clientId, clientSecret: after.clientSecret }).toEqual({
        clientId: before.clientId,
        clientSecret: before.clientSecret,
      });
      const bearerAfter = await accessToken(after);
      expect(
        await query(after, bearerAfter, 'SELECT Id, LastName, Email, Ext_Id__c FROM Contact ORDER BY Ext_Id__c'),
      ).toEqual(inserted);
      const job = await api(after, bearerAfter, `/jobs/ingest/${jobId}`);
      expect(job.body).toEqual(
        expect.objectContaining({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 0 }),
      );
      const results = await api(after, bearerAfter, `/jobs/ingest/${jobId}/successfulResults`);
      expect(lines(results.body as string)).toHaveLength(3);
      expect((await second.stop()).code).toBe(0);
    });
  });
});
