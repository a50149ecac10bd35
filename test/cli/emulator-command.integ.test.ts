import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** `sfetl emulator` as a person runs it: its own process, started from the repository root. */
const REPO_ROOT = resolve(__dirname, '../..');
/** The project's Node 22 (the `node` devDependency), whatever `node` is first on PATH. */
const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const CONFIG_DIR = join(REPO_ROOT, 'test', 'fixtures', 'emulator', 'config');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

interface OrgEndpoint {
  readonly name: string;
  readonly instanceUrl: string;
  readonly loginUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly controlUrl: string;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running emulator process and what it printed. */
class EmulatorRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // 'close', not 'exit': by then stdout and stderr are read to their end.
    this.exited = new Promise((done) => child.once('close', (code, signal) => done({ code, signal })));
  }

  /** The orgs of the one JSON line the emulator prints when it is ready. */
  async ready(): Promise<Record<string, OrgEndpoint>> {
    const line = await new Promise<string>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`no JSON line within ${READY_TIMEOUT_MS} ms; stderr: ${this.stderr}`)),
        READY_TIMEOUT_MS,
      );
      const check = () => {
        const end = this.stdout.indexOf('\n');
        if (end < 0) return;
        clearTimeout(timer);
        this.child.stdout!.off('data', check);
        done(this.stdout.slice(0, end));
      };
      this.child.stdout!.on('data', check);
      void this.exited.then(({ code }) => {
        clearTimeout(timer);
        fail(new Error(`the emulator exited with code ${code} before it was ready; stderr: ${this.stderr}`));
      });
      check();
    });
    return (JSON.parse(line) as { orgs: Record<string, OrgEndpoint> }).orgs;
  }

  /** SIGTERM, as a supervisor stops it; fails when it takes longer than a few seconds. */
  stop(): Promise<Exit> {
    this.child.kill('SIGTERM');
    return within(this.exited, STOP_TIMEOUT_MS, 'the emulator did not stop after SIGTERM');
  }
}

const running = new Set<EmulatorRun>();

function startEmulator(args: readonly string[]): EmulatorRun {
  const run = new EmulatorRun(
    spawn(NODE, ['bin/sfetl.js', 'emulator', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  running.add(run);
  void run.exited.then(() => running.delete(run));
  return run;
}

/** Runs `sfetl emulator <args>` to its end: for the command lines that must be refused. */
async function runToExit(
  args: readonly string[],
): Promise<Exit & { readonly stdout: string; readonly stderr: string }> {
  const run = startEmulator(args);
  const exit = await within(run.exited, READY_TIMEOUT_MS, `sfetl emulator ${args.join(' ')} did not exit`);
  return { ...exit, stdout: run.stdout, stderr: run.stderr };
}

// A test that fails half-way must not leave an emulator behind.
afterEach(async () => {
  for (const run of running) {
    run.child.kill('SIGKILL');
    await run.exited;
  }
});

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A loopback port nobody listens on at this moment. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

/** True when something accepts TCP connections at the URL's host and port. */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** The OAuth 2.0 client-credentials flow against the org's login URL. */
async function token(org: OrgEndpoint, clientId = org.clientId, clientSecret = org.clientSecret) {
  const response = await fetch(`${org.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function accessToken(org: OrgEndpoint): Promise<string> {
  const { status, body } = await token(org);
  expect(status).toBe(200);
  return body.access_token!;
}

/** One REST call with a bearer token; the status and the body (JSON or text). */
async function api(
  org: OrgEndpoint,
  bearer: string,
  path: string,
  init: { method?: string; json?: unknown; csv?: string } = {},
) {
  const response = await fetch(`${org.instanceUrl}/services/data/v66.0${path}`, {
    method: init.method ?? 'GET',
    headers: {
      Authorization: `Bearer ${bearer}`,
      ...(init.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(init.csv !== undefined ? { 'Content-Type': 'text/csv' } : {}),
    },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.csv,
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, body: (isJson && text !== '' ? JSON.parse(text) : text) as any };
}

/** A small Bulk API 2.0 insert: create, upload, close, poll until JobComplete. */
async function bulkInsert(org: OrgEndpoint, bearer: string, object: string, csv: string): Promise<string> {
  const created = await api(org, bearer, '/jobs/ingest', {
    method: 'POST',
    json: { object, operation: 'insert', contentType: 'CSV', lineEnding: 'LF' },
  });
  expect(created.status).toBe(200);
  const jobId = created.body.id as string;
  expect((await api(org, bearer, `/jobs/ingest/${jobId}/batches`, { method: 'PUT', csv })).status).toBe(201);
  expect(
    (await api(org, bearer, `/jobs/ingest/${jobId}`, { method: 'PATCH', json: { state: 'UploadComplete' } })).status,
  ).toBe(200);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const job = await api(org, bearer, `/jobs/ingest/${jobId}`);
    if (job.body.state === 'JobComplete') return jobId;
    if (job.body.state === 'Failed' || job.body.state === 'Aborted' || Date.now() > deadline) {
      throw new Error(`job ${jobId} ended ${job.body.state}: ${job.body.errorMessage ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function query(org: OrgEndpoint, bearer: string, soql: string) {
  const result = await api(org, bearer, `/query?q=${encodeURIComponent(soql)}`);
  expect(result.status).toBe(200);
  return result.body as { totalSize: number; records: Record<string, unknown>[] };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
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
        join(REPO_ROOT, 'test/fixtures/emulator/tls/localhost.pem'),
        '--tls-key',
        join(REPO_ROOT, 'test/fixtures/emulator/jwt/other-key.pem'),
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
