import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parse as parseYaml } from 'yaml';
import { createAwsClients } from '../../src/aws';
import { SAMPLE_DATA, StackDescription } from '../../src/cli/stack-command';
import { generateSampleData } from '../../src/demo';
import { contactsWithBadRows } from '../support/contact-data';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const SFETL = join(ROOT, 'bin/sfetl.js');

/** Runs `sfetl <args>` to its end without AWS credentials in the environment, as a user's shell would. */
function sfetl(
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, ...extraEnv };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  const child = spawn(NODE, [SFETL, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}

describe('sfetl stack, then sfetl load from another process', () => {
  let stack: ChildProcess;
  let description: StackDescription;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sfetl-stack-cli-'));
    stack = spawn(NODE, [SFETL, 'stack', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await new Promise<string>((done, fail) => {
      createInterface({ input: stack.stdout! }).once('line', done);
      stack.once('exit', (code) => fail(new Error(`sfetl stack exited with ${code}`)));
    });
    description = JSON.parse(line) as StackDescription;
  });
  afterAll(async () => {
    if (stack.exitCode === null) stack.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('prints one JSON line with the four orgs, AWS endpoint, buckets and a config that exists', () => {
    expect(Object.keys(description.orgs).sort()).toEqual(['dev', 'prod', 'qa', 'uat']);
    for (const org of Object.values(description.orgs)) {
      expect(org).toEqual(
        expect.objectContaining({
          instanceUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
          loginUrl: expect.any(String),
          clientId: expect.any(String),
          clientSecret: expect.any(String),
        }),
      );
    }
    expect(description.aws).toEqual(
      expect.objectContaining({ endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), region: 'us-east-1' }),
    );
    expect(description.buckets).toEqual({ source: 'sfetl-source', logs: 'sfetl-logs' });
    expect(existsSync(description.config)).toBe(true);
  });

  test("the config pins each env to its org: instanceUrl and orgId are what that org's token response names", async () => {
    const config = parseYaml(readFileSync(description.config, 'utf8')) as {
      environments: Record<string, { instanceUrl: string; orgId: string }>;
    };
    for (const [env, org] of Object.entries(description.orgs)) {
      const res = await fetch(`${org.loginUrl}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: org.clientId,
          client_secret: org.clientSecret,
        }),
      });
      const token = (await res.json()) as { instance_url: string; id: string };
      expect(config.environments[env]).toMatchObject({ instanceUrl: org.instanceUrl, orgId: org.orgId });
      expect(token.instance_url).toBe(org.instanceUrl);
      expect(new URL(token.id).pathname).toMatch(new RegExp(`^/id/${org.orgId}/005\\w{15}$`));
    }
    expect(new Set(Object.values(description.orgs).map((o) => o.orgId)).size).toBe(4);
  });

  test('a load in JSON mode prints one JSON line per event and CloudWatch embedded metrics', async () => {
    const aws = createAwsClients({ region: 'us-east-1', endpoint: description.aws.endpoint });
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: 'sfetl-source',
        Key: 'Contact/part-1.csv',
        Body: contactsWithBadRows(500, { INVALID_EMAIL_ADDRESS: 2 }).csv,
      }),
    );
    const result = await sfetl([
      'load',
      '--config',
      description.config,
      '--env',
      'dev',
      '--object',
      'Contact',
      '--output',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.map((l) => l.event ?? 'metric')).toEqual(
      expect.arrayContaining([
        'run-started',
        'preflight-passed',
        'job-finished',
        'object-finished',
        'run-finished',
        'summary',
        'metric',
      ]),
    );
    const metric = lines.find((l) => l._aws && l.object === 'Contact')!;
    expect(metric._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 's3-salesforce-etl',
      Dimensions: [['env', 'object']],
    });
    expect(metric).toMatchObject({
      env: 'dev',
      object: 'Contact',
      RecordsRead: 500,
      RecordsLoaded: 498,
      RecordsFailed: 2,
    });
    expect(result.stdout).not.toContain(description.orgs.dev!.clientSecret);
  });

  test('a load in text mode prints progress and a one-screen summary', async () => {
    // Each API call takes a while, as against a real org, so the progress line is drawn with a rate.
    const faults = `${description.orgs.dev!.controlUrl}/faults`;
    await fetch(faults, { method: 'PUT', body: JSON.stringify({ latencyMs: 100 }) });
    const result = await sfetl([
      'load',
      '--config',
      description.config,
      '--env',
      'dev',
      '--object',
      'Contact',
      '--output',
      'text',
      // The file was loaded by the test before: --force loads it again (upsert: every row an update).
      '--force',
    ]).finally(() => fetch(faults, { method: 'PUT', body: '{}' }));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/sfetl load: run \S+ into dev: Contact/);
    const progress = result.stderr.split('\r\u001b[2K').filter((l) => /rows uploaded/.test(l));
    expect(progress).toContainEqual(
      expect.stringMatching(
        /^ {2}Contact: 500 of ~500 rows uploaded, 500 processed \| jobs: 1 JobComplete \| [\d,]+ rows\/s, ETA 0 s$/,
      ),
    );
    expect(result.stderr).toMatch(/Contact: 500 rows, 498 loaded, 2 failed \(0 rejected before upload\), 1 job\(s\)/);
    expect(result.stdout).toMatch(/total 500 rows · 498 loaded · 2 failed \(0\.40%\)/);
    expect(result.stdout).toMatch(/success log: s3:\/\/sfetl-logs\/success\/Contact\/run_id=/);
    expect(result.stdout + result.stderr).not.toContain(description.orgs.dev!.clientSecret);
  });

  test('a bad option exits 1 with one line that says what to do', async () => {
    const result = await sfetl(['load', '--config', description.config, '--envv', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/Unknown option '--envv'.*run "sfetl load --help"/),
    ]);
  });

  test('SIGTERM stops the stack cleanly', async () => {
    const exited = new Promise<number | null>((done) => stack.once('exit', done));
    stack.kill('SIGTERM');
    expect(await exited).toBe(0);
    const answer = await fetch(description.orgs.dev!.instanceUrl).then(
      () => 'answered',
      () => 'refused',
    );
    expect(answer).toBe('refused');
  });
});

describe('sfetl stack without its set-up', () => {
  test('no Python venv: exit 1 with one line naming the venv and the set-up command (no stack trace)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfetl-stack-novenv-'));
    try {
      const missing = join(dir, 'no-venv');
      const result = await sfetl(['stack', '--dir', dir], { SFETL_VENV: missing });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toEqual([
        `sfetl stack: the embedded default did not start: No usable Python venv at ${missing} ` +
          `(${join(missing, 'bin', 'python')} does not exist). Run \`npm run setup:python\` to create it.`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sfetl stack --sample-data', () => {
  let stack: ChildProcess;
  let description: StackDescription & { sampleData: string[] };
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sfetl-stack-sample-'));
    stack = spawn(NODE, [SFETL, 'stack', '--dir', dir, '--sample-data'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await new Promise<string>((done, fail) => {
      createInterface({ input: stack.stdout! }).once('line', done);
      stack.once('exit', (code) => fail(new Error(`sfetl stack exited with ${code}`)));
    });
    description = JSON.parse(line) as StackDescription & { sampleData: string[] };
  });
  afterAll(() => {
    if (stack.exitCode === null) stack.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('puts the sample files under the configured sources; sfetl load loads every row or logs why not', async () => {
    expect(description.sampleData).toEqual([
      's3://sfetl-source/Account/sample-1.csv',
      's3://sfetl-source/Contact/sample-1.csv',
      's3://sfetl-source/Invoice__c/sample-1.csv',
    ]);
    const expected = generateSampleData({ ...SAMPLE_DATA, env: 'sample' }).files.filter((f) => f.run === 1);
    const result = await sfetl(['load', '--config', description.config, '--env', 'dev', '--output', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>)
      .find((e) => e.event === 'summary')!;
    expect(summary.objects.map((o: any) => [o.object, o.rowsRead])).toEqual(expected.map((f) => [f.object, f.rows]));
    // Every deliberate mistake is a failure row; Contacts and Invoices of a failed Account fail too.
    const accounts = summary.objects.find((o: any) => o.object === 'Account');
    expect(accounts.failure).toBe(expected[0]!.bad.size);
    expect(summary.failure).toBeGreaterThanOrEqual(expected.reduce((n, f) => n + f.bad.size, 0));
    expect(summary.success + summary.failure).toBe(summary.rowsRead);
  });

  test('SIGINT (Ctrl-C) stops the stack cleanly: exit 0, the orgs and the AWS endpoint closed', async () => {
    let stderr = '';
    stack.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => stack.once('exit', done));
    stack.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stack stopped');
    const endpoints = [...Object.values(description.orgs).map((o) => o.instanceUrl), description.aws.endpoint];
    const answers = await Promise.all(
      endpoints.map((url) =>
        fetch(url).then(
          () => 'answered',
          () => 'refused',
        ),
      ),
    );
    expect(answers).toEqual(endpoints.map(() => 'refused'));
  });
});
